"""Translation through the real Bergamot models, a random-weight CTranslate2 model and an external service."""

import json

import pytest

from libretranslate_server import LibreTranslateServer
from parley_engine.errors import EngineError
from parley_engine.translation import DEFAULT_REGISTRY, TextItem, TranslationService, load_registry
from tiny_models import build_tiny_translator


@pytest.fixture(scope="module")
def bergamot():
    return TranslationService(DEFAULT_REGISTRY, "cpu", 2)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    return build_tiny_translator(str(tmp_path_factory.mktemp("tiny")))


def test_english_to_portuguese_and_back(bergamot):
    out = bergamot.translate([
        TextItem("a", ["The cat is on the table."], target="pt", source="en"),
        TextItem("b", ["O gato está na mesa. O cão dorme."], target="en", source="pt"),
    ])
    portuguese = out["a"]["texts"][0].lower()
    assert "gato" in portuguese and "mesa" in portuguese
    assert out["a"]["model"] == "bergamot" and out["a"]["route"] == "direct"
    english = out["b"]["texts"][0].lower()
    assert "cat" in english and "table" in english and "dog" in english


def test_detects_each_items_language(bergamot):
    out = bergamot.translate([
        TextItem("en", ["The weather is very nice today and we are going to the park."], target="pt"),
        TextItem("pt", ["O tempo está muito bom hoje e nós vamos ao parque."], target="pt"),
        TextItem("de", ["Das Wetter ist heute sehr schön und wir gehen in den Park."], target="pt"),
    ])
    assert out["en"]["source"] == "en" and out["en"]["detected"] and out["en"]["source_probability"] > 0.5
    assert "parque" in out["en"]["texts"][0].lower()
    assert out["pt"]["source"] == "pt" and out["pt"]["route"] == "identity"
    assert isinstance(out["de"], EngineError) and out["de"].code == "unsupported_language_pair"
    assert "de->pt" in out["de"].message


def test_pair_without_a_model_is_refused(bergamot):
    out = bergamot.translate([TextItem("x", ["Hello, how are you today?"], target="hi", source="en")])
    assert out["x"].code == "unsupported_language_pair" and "en->hi" in out["x"].message


def test_random_weight_model_keeps_order_and_batches(tiny_model, tmp_path):
    registry = tmp_path / "registry.json"
    registry.write_text(json.dumps({"translators": [{
        "name": "tiny", "family": "marian", "path": tiny_model, "source": "de", "target": "en",
        "beam_size": 1, "compute_type": "float32", "max_decoding_length": 12, "max_batch_size": 16,
    }]}))
    service = TranslationService(load_registry(str(registry)), "cpu", 2)
    words = "the cat sees a red house by the quiet river".split()
    items = [
        TextItem(f"i{n}", [" ".join(words[: 1 + n % 9]) + "." + (" A dog runs." * (n % 3))], target="en", source="de")
        for n in range(50)
    ]
    batched = service.translate(items)
    assert list(batched) == [item.id for item in items]
    for item in items[::7]:
        alone = service.translate([item])[item.id]
        assert batched[item.id]["texts"] == alone["texts"], item.id
    assert all(batched[i.id]["model"] == "tiny" for i in items)


def test_pivot_through_english(tiny_model, tmp_path):
    registry = {"translators": [
        {"name": "tiny-de-en", "family": "marian", "path": tiny_model, "source": "de", "target": "en",
         "beam_size": 1, "max_decoding_length": 8},
        {"name": "bergamot", "family": "bergamot"},
    ]}
    service = TranslationService(registry, "cpu", 2)
    out = service.translate([TextItem("p", ["Der Hund läuft."], target="pt", source="de")])
    assert out["p"]["route"] == "pivot" and out["p"]["model"] == "tiny-de-en+bergamot"
    assert any(e["source"] == "de" and e["target"] == "pt" and e["kind"] == "pivot" for e in service.capabilities()["pairs"])


def test_broken_model_directory_is_a_clear_error(tmp_path):
    with pytest.raises(EngineError) as info:
        TranslationService({"translators": [{"name": "x", "family": "marian", "path": str(tmp_path)}]}, "cpu", 1)
    assert info.value.code == "model_unavailable"
    with pytest.raises(EngineError):
        load_registry(str(tmp_path / "missing.json"))


def test_external_libretranslate_service():
    with LibreTranslateServer(api_key="secret") as server:
        service = TranslationService({"translators": [], "external": {"url": server.url, "api_key": "secret"}}, "cpu", 1)
        out = service.translate([
            TextItem("a", ["The cat is on the table.", "Good morning."], target="pt", source="en"),
            TextItem("b", ["Hello there, my friend."], target="hi", source="en"),
        ])
        assert "gato" in out["a"]["texts"][0].lower() and out["a"]["route"] == "external"
        assert len(out["a"]["texts"]) == 2
        assert out["b"].code == "unsupported_language_pair", "hi is not among the service's languages"
        assert server.requests[0]["api_key"] == "secret" and isinstance(server.requests[0]["q"], list)

        wrong_key = TranslationService({"translators": [], "external": {"url": server.url, "api_key": "wrong"}}, "cpu", 1)
        refused = wrong_key.translate([TextItem("c", ["The cat."], target="pt", source="en")])
        assert isinstance(refused["c"], EngineError) and not refused["c"].retryable


def test_external_service_down_is_retryable():
    service = TranslationService(
        {"translators": [], "external": {"url": "http://127.0.0.1:9", "retries": 2, "backoff": 0.01, "timeout": 1}}, "cpu", 1
    )
    out = service.translate([TextItem("d", ["The cat."], target="pt", source="en")])
    assert out["d"].code == "translation_unavailable" and out["d"].retryable


def test_multilingual_families_add_language_tokens(tiny_model):
    from parley_engine.ct2_backend import CT2Backend, CT2ModelConfig

    for family, languages in (("nllb", {"de": "deu_Latn", "en": "eng_Latn"}), ("m2m100", {"de": "de", "en": "en"})):
        backend = CT2Backend(
            CT2ModelConfig(name=family, path=tiny_model, family=family, languages=languages, beam_size=1, max_decoding_length=6),
            "cpu", 1,
        )
        assert backend.pairs() == {("de", "en"), ("en", "de")}
        out = backend.translate(["the cat sees a dog.", "red house."], "de", "en")
        assert len(out) == 2 and all(isinstance(text, str) for text in out)
        with pytest.raises(EngineError):
            backend.translate(["x"], "de", "fr")
