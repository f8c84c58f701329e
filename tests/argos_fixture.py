"""Real Argos packages built at test time: SentencePiece trained on the article, a CTranslate2
Transformer with random weights, metadata.json, zipped as .argosmodel.

The translations are nonsense, but every layer the pipeline touches is the real one: Argos's
package format and tokenizer, argostranslate's installer, CTranslate2's Translator. Also used by
bench/translate_bench.py, with the size of a real Argos model.
"""

from __future__ import annotations

import json
import random
import re
import zipfile
from pathlib import Path

import numpy as np

LATIN = """National security is the foundation of a country. Border security is an important part
of national security. In recent years the international situation has become more complex and
illegal cross-border activities show new trends. The government attaches great importance to the
security of the borders and keeps strengthening the fight against cross-border crime. Smuggling,
drug trafficking and illegal migration harm the economy and the lives of the people. La sécurité
nationale est le fondement d'un pays. La sécurité des frontières est une partie importante de la
sécurité nationale. Le gouvernement renforce la lutte contre la criminalité transfrontalière."""


def article_text(root: Path) -> str:
    """The visible text of source/article.html (what the source side of the model sees)."""
    import lxml.html

    tree = lxml.html.parse(str(Path(root) / "source" / "article.html"))
    for bad in tree.getroot().iter("script", "style"):
        bad.drop_tree()
    return tree.getroot().text_content()


def pseudo_words(n: int, seed: int = 7) -> str:
    """Deterministic Latin-looking words, so that a large vocabulary can be trained."""
    rng = random.Random(seed)
    syll = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]
    words = ["".join(rng.choice(syll) for _ in range(rng.randint(1, 4))) for _ in range(n)]
    return "\n".join(" ".join(words[i : i + 12]) for i in range(0, n, 12))


def train_sentencepiece(text: str, prefix: Path, vocab_size: int) -> tuple[Path, list[str]]:
    """Train a unigram SentencePiece model; returns (model file, vocabulary in id order)."""
    import sentencepiece as spm

    lines = [l.strip() for l in re.split(r"[\n。！？.]", text) if l.strip()]
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_prefix=str(prefix), vocab_size=vocab_size,
        character_coverage=1.0, hard_vocab_limit=False, model_type="unigram",
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1, num_threads=1, minloglevel=2,
        input_sentence_size=0, shuffle_input_sentence=False)
    sp = spm.SentencePieceProcessor(model_file=f"{prefix}.model")
    return Path(f"{prefix}.model"), [sp.id_to_piece(i) for i in range(sp.get_piece_size())]


def random_spec(vocab: list[str], *, layers: int, d_model: int, heads: int, ffn: int, seed: int):
    """A ctranslate2 TransformerSpec (pre-norm, shared vocabulary) filled with random weights."""
    import ctranslate2

    spec = ctranslate2.specs.TransformerSpec.from_config(num_layers=(layers, layers), num_heads=heads)
    rng = np.random.default_rng(seed)
    v, d = len(vocab), d_model
    shapes = {
        "self_attention/linear_0": (3 * d, d), "self_attention/linear_1": (d, d),
        "attention/linear_0": (d, d), "attention/linear_1": (2 * d, d), "attention/linear_2": (d, d),
        "ffn/linear_0": (ffn, d), "ffn/linear_1": (d, ffn),
    }
    for name, value in spec.variables(ordered=True):
        if value is not None:
            continue
        if name.endswith("/gamma"):
            arr = np.ones(d, dtype=np.float32)
        elif name.endswith("/beta"):
            arr = np.zeros(d, dtype=np.float32)
        elif "embeddings" in name or name.endswith("projection/weight"):
            arr = rng.normal(0, d ** -0.5, (v, d)).astype(np.float32)
        else:
            key = "/".join(name.split("/")[-3:-1])
            shape = shapes[key]
            arr = rng.normal(0, shape[1] ** -0.5, shape).astype(np.float32)
        _set(spec, name, arr)
    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)
    return spec


def _set(spec, name: str, value) -> None:
    obj = spec
    parts = name.split("/")
    for part in parts[:-1]:
        if hasattr(obj, part):
            obj = getattr(obj, part)
        else:
            base, idx = re.fullmatch(r"(.+)_(\d+)", part).groups()
            obj = getattr(obj, base)[int(idx)]
    setattr(obj, parts[-1], value)


def build_package(out_dir: Path, *, from_code: str, to_code: str, sp_model: Path, vocab: list[str],
                  layers: int = 2, d_model: int = 64, heads: int = 4, ffn: int = 128,
                  seed: int = 1, version: str = "1.0") -> Path:
    """Write ``translate-<from>_<to>.argosmodel`` into out_dir and return its path."""
    names = {"zh": "Chinese", "en": "English", "fr": "French", "zt": "Chinese (traditional)"}
    top = f"translate-{from_code}_{to_code}-{version.replace('.', '_')}"
    work = Path(out_dir) / top
    spec = random_spec(vocab, layers=layers, d_model=d_model, heads=heads, ffn=ffn, seed=seed)
    (work / "model").mkdir(parents=True, exist_ok=True)
    spec.validate()
    spec.optimize()
    spec.save(str(work / "model"))
    (work / "sentencepiece.model").write_bytes(Path(sp_model).read_bytes())
    (work / "metadata.json").write_text(json.dumps({
        "package_version": version, "argos_version": "1.9", "type": "translate",
        "from_code": from_code, "from_name": names.get(from_code, from_code),
        "to_code": to_code, "to_name": names.get(to_code, to_code), "links": []}, indent=2))
    archive = Path(out_dir) / f"translate-{from_code}_{to_code}.argosmodel"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as z:
        for f in sorted(work.rglob("*")):
            z.write(f, f.relative_to(out_dir).as_posix())
    return archive
