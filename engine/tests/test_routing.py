import pytest

from parley_engine.routing import Step, TranslationRouter
from parley_engine.sentences import join_sentences, split_sentences


def router(**kwargs):
    pairs = {"bergamot": {("en", "pt"), ("pt", "en")}, "opus": {("de", "en")}}
    return TranslationRouter(pairs=pairs, **kwargs)


def test_identity_needs_no_step():
    route = router().route("pt", "pt")
    assert route.kind == "identity" and route.steps == ()


def test_direct_pair():
    route = router().route("en", "pt")
    assert route.kind == "direct" and route.steps == (Step("bergamot", "en", "pt"),)


def test_pivot_through_english():
    route = router().route("de", "pt")
    assert route.kind == "pivot"
    assert route.steps == (Step("opus", "de", "en"), Step("bergamot", "en", "pt"))


@pytest.mark.parametrize("pair", [("en", "hi"), ("pt", "de"), ("hi", "en"), ("de", "ta")])
def test_no_route_without_models(pair):
    assert router().route(*pair) is None


def test_external_takes_what_local_models_cannot():
    r = router(external="libre", external_languages={"en", "hi", "pt"})
    assert r.route("en", "hi").kind == "external"
    assert r.route("en", "pt").kind == "direct"
    assert r.route("en", "ta") is None


def test_external_without_language_list_tries_any_pair():
    assert router(external="libre").route("ta", "hi").steps == (Step("libre", "ta", "hi"),)


def test_direct_preferred_over_pivot_and_backends_chosen_deterministically():
    r = TranslationRouter(pairs={"b": {("de", "pt")}, "a": {("de", "pt"), ("de", "en")}, "c": {("en", "pt")}})
    assert r.route("de", "pt").steps == (Step("a", "de", "pt"),)


def test_catalog_lists_direct_and_pivot_pairs():
    catalog = {(e["source"], e["target"]): e for e in router().catalog()}
    assert catalog[("en", "pt")]["kind"] == "direct"
    assert catalog[("de", "pt")]["kind"] == "pivot" and catalog[("de", "pt")]["backends"] == ["opus", "bergamot"]
    assert ("pt", "de") not in catalog and ("en", "en") not in catalog


def test_sentence_split_and_join():
    text = "The cat sat. Did it? Yes!  It did.\nNew line here"
    assert split_sentences(text) == ["The cat sat.", "Did it?", "Yes!", "It did.", "New line here"]
    assert split_sentences("") == []
    assert split_sentences("नमस्ते। आप कैसे हैं?") == ["नमस्ते।", "आप कैसे हैं?"]
    long = " ".join(["word"] * 200)
    assert all(len(s) <= 400 for s in split_sentences(long))
    assert join_sentences(["a.", "", "b."]) == "a. b."
