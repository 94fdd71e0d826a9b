"""Builds a tiny CTranslate2 Transformer translator with random weights, and a
SentencePiece model trained on a few hundred lines, so loading, batching, ordering
and error paths can be tested end to end. It translates nothing meaningful."""

import os
import random

import numpy as np

WORDS = (
    "the a cat dog house table tree river city light music book paper window door garden road "
    "red blue green small large old new quick slow happy quiet bright dark warm cold "
    "is was runs sees finds holds makes takes gives keeps reads writes sings walks"
).split()


def _train_spm(directory: str, vocab_size: int) -> str:
    import sentencepiece

    rng = random.Random(7)
    corpus = os.path.join(directory, "corpus.txt")
    with open(corpus, "w", encoding="utf-8") as handle:
        for _ in range(400):
            handle.write(" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12))) + ".\n")
    prefix = os.path.join(directory, "shared")
    sentencepiece.SentencePieceTrainer.train(
        input=corpus, model_prefix=prefix, vocab_size=vocab_size, model_type="unigram",
        character_coverage=1.0, bos_id=1, eos_id=2, unk_id=0, pad_id=-1, minloglevel=2,
    )
    os.rename(prefix + ".model", os.path.join(directory, "shared.spm"))
    return os.path.join(directory, "shared.spm")


def _fill(spec, path: str, d_model: int, ffn: int, src_vocab: int, tgt_vocab: int, rng) -> None:
    from ctranslate2.specs import model_spec

    for name, value in list(vars(spec).items()):
        here = f"{path}.{name}"
        if isinstance(value, model_spec.LayerSpec):
            _fill(value, here, d_model, ffn, src_vocab, tgt_vocab, rng)
        elif isinstance(value, list) and value and isinstance(value[0], model_spec.LayerSpec):
            for index, child in enumerate(value):
                _fill(child, f"{here}_{index}", d_model, ffn, src_vocab, tgt_vocab, rng)
        elif value is None:
            setattr(spec, name, rng.normal(0, 0.2, _shape(here, d_model, ffn, src_vocab, tgt_vocab)).astype(np.float32))


def _shape(path: str, d: int, ffn: int, src_vocab: int, tgt_vocab: int):
    if path.endswith(("gamma", "beta")):
        return (d,)
    if "embeddings" in path:
        return (src_vocab if path.startswith(".encoder") else tgt_vocab, d)
    if path.endswith("projection.weight"):
        return (tgt_vocab, d)
    if "self_attention.linear_0" in path:
        return (3 * d, d)
    if "attention.linear_1" in path and "self_attention" not in path:
        return (2 * d, d)
    if "ffn.linear_0" in path:
        return (ffn, d)
    if "ffn.linear_1" in path:
        return (d, ffn)
    return (d, d)


def build_tiny_translator(directory: str, vocab_size: int = 64) -> str:
    """Writes model.bin, shared.spm and vocabularies into ``directory``; returns it."""
    import ctranslate2
    import sentencepiece

    os.makedirs(directory, exist_ok=True)
    spm_path = _train_spm(directory, vocab_size)
    processor = sentencepiece.SentencePieceProcessor(model_file=spm_path)
    vocabulary = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    spec = ctranslate2.specs.TransformerSpec.from_config(2, 4)
    rng = np.random.default_rng(11)
    _fill(spec, "", 64, 128, len(vocabulary), len(vocabulary), rng)
    spec.register_source_vocabulary(vocabulary)
    spec.register_target_vocabulary(vocabulary)
    spec.validate()
    spec.save(directory)
    return directory
