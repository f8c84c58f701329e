"""Argos Translate models run directly on CTranslate2, in length-sorted batches.

Installed packages are found through ``argostranslate.package`` and tokenized with the
package's own tokenizer (SentencePiece or BPE), but translation calls ``ctranslate2.Translator``
itself: ``argostranslate.translate`` sends one sentence per call and re-splits sentences, which
is many times slower on a whole catalog and would undo our segmentation.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from ..config import Config
from ..errors import ModelError

# BCP 47 -> Argos language codes where they differ (Argos calls Traditional Chinese "zt").
ARGOS_CODES = {"zh-hans": "zh", "zh-cn": "zh", "zh-sg": "zh", "zh-hant": "zt", "zh-tw": "zt",
               "zh-hk": "zt", "zh-mo": "zt"}
PIVOTS = ("en",)  # preferred intermediate languages, then any other in code order
# Decoding options Argos uses; ours match them so a package translates as it does in Argos.
DECODING = {"replace_unknowns": True, "length_penalty": 0.2}


def argos_code(lang: str) -> str:
    """Argos's code for a BCP 47 or gettext language code: zh-Hans -> zh, zh-Hant-TW -> zt."""
    parts = lang.replace("_", "-").lower().split("-")
    for n in (3, 2):
        if "-".join(parts[:n]) in ARGOS_CODES:
            return ARGOS_CODES["-".join(parts[:n])]
    if parts[0] == "zh" and any(p in ("hant", "tw", "hk", "mo") for p in parts):
        return "zt"
    return parts[0]


def packages_dir() -> Path:
    """Where packages are installed: ``ARGOS_PACKAGES_DIR`` (read now, not at import) or Argos's default."""
    from argostranslate import settings

    env = os.environ.get("ARGOS_PACKAGES_DIR")
    folder = Path(env) if env else Path(settings.package_data_dir)
    # argostranslate reads the variable once at import; keep its installer in step with ours.
    settings.package_data_dir = folder
    settings.package_dirs = [folder]
    return folder


def installed() -> list:
    """Installed translation packages (``argostranslate.package.Package``), sorted by pair."""
    from argostranslate.package import Package

    folder = packages_dir()
    out = []
    for d in sorted(folder.iterdir()) if folder.is_dir() else []:
        if not d.is_dir() or d.name.startswith("."):
            continue
        try:
            pkg = Package(d)
        except (OSError, ValueError) as e:
            raise ModelError(d, f"broken Argos package: {e}") from None
        if pkg.type == "translate" and pkg.from_code and pkg.to_code:
            out.append(pkg)
    return sorted(out, key=lambda p: (p.from_code, p.to_code, str(p.package_path)))


def package_name(pkg) -> str:
    """argospm's name for a package, e.g. ``translate-zh_en``."""
    from argostranslate.package import argospm_package_name

    return argospm_package_name(pkg)


def route(src: str, tgt: str) -> list:
    """Packages that take ``src`` to ``tgt``: the direct pair, or two through a pivot language."""
    a, b = argos_code(src), argos_code(tgt)
    pkgs = installed()
    pairs = {(p.from_code, p.to_code): p for p in reversed(pkgs)}
    if (a, b) in pairs:
        return [pairs[a, b]]
    middles = sorted({p.to_code for p in pkgs if p.from_code == a and (p.to_code, b) in pairs},
                     key=lambda c: (c not in PIVOTS, PIVOTS.index(c) if c in PIVOTS else 0, c))
    if middles:
        return [pairs[a, middles[0]], pairs[middles[0], b]]
    raise ModelError(packages_dir(), f"no Argos model for {a} -> {b} (and no pivot through an "
                     f"installed language): run `pipeline models install {a} {b}`, or "
                     f"`pipeline models add FILE.argosmodel` with a downloaded package")


def _fingerprint(pkg) -> str:
    """Identity of a package's files, so a reinstalled model never reuses old cache entries."""
    h = hashlib.sha256()
    for name in ("metadata.json", "model/model.bin", "sentencepiece.model", "bpe.model"):
        p = Path(pkg.package_path) / name
        if p.is_file():
            st = p.stat()
            h.update(f"{name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


class ArgosEngine:
    """Translate fragments ``src`` -> ``tgt`` with the installed packages (pivoting if needed)."""

    cached = True

    def __init__(self, cfg: Config, src: str, tgt: str):
        self.cfg = cfg
        self.packages = route(src, tgt)
        self.translators: list = [None] * len(self.packages)
        path = [self.packages[0].from_code] + [p.to_code for p in self.packages]
        self.record = {
            "engine": "argos",
            "model": "+".join(package_name(p) for p in self.packages),
            "version": "+".join(p.package_version or "?" for p in self.packages),
            "path": ">".join(path),
        }
        self.options = {"beam_size": cfg.beam_size, "compute_type": cfg.compute_type,
                        "device": cfg.device, "max_decoding_length": cfg.max_decoding_length,
                        **DECODING}
        self.key = json.dumps({"record": self.record, "options": self.options,
                               "files": [_fingerprint(p) for p in self.packages]}, sort_keys=True)

    def _translator(self, i: int):
        if self.translators[i] is None:
            import ctranslate2

            model = Path(self.packages[i].package_path) / "model"
            try:
                self.translators[i] = ctranslate2.Translator(
                    str(model), device=self.cfg.device, compute_type=self.cfg.compute_type,
                    inter_threads=1, intra_threads=self.cfg.threads)
            except (RuntimeError, ValueError) as e:
                raise ModelError(model, f"cannot load model: {e}") from None
        return self.translators[i]

    def _tokenizer(self, i: int):
        tok = getattr(self.packages[i], "tokenizer", None)
        if tok is None:
            raise ModelError(self.packages[i].package_path, "package has no sentencepiece.model or bpe.model")
        return tok

    def batches(self, texts: list[str]) -> list[list[str]]:
        """Unique texts sorted by token length (then text), in batches of ``batch_size``:
        similar lengths share a batch, so little padding is computed."""
        tok = self._tokenizer(0)
        ordered = sorted(set(texts), key=lambda t: (len(tok.encode(t)), t))
        n = max(1, self.cfg.batch_size)
        return [ordered[i : i + n] for i in range(0, len(ordered), n)]

    def translate(self, batch: list[str]) -> list[tuple[str, float | None]]:
        """One batch through every hop of the route; the score is the sum over hops."""
        texts = list(batch)
        scores = [0.0] * len(texts)
        for i, pkg in enumerate(self.packages):
            tok = self._tokenizer(i)
            tokens = [tok.encode(t) for t in texts]
            prefix = [[pkg.target_prefix]] * len(tokens) if pkg.target_prefix else None
            results = self._translator(i).translate_batch(
                tokens, target_prefix=prefix, beam_size=self.cfg.beam_size,
                max_decoding_length=self.cfg.max_decoding_length, return_scores=True,
                max_batch_size=0, **DECODING)
            texts = [decode(tok, r.hypotheses[0], pkg.target_prefix) for r in results]
            scores = [s + r.scores[0] for s, r in zip(scores, results)]
        return [(t, round(s, 4)) for t, s in zip(texts, scores)]


def decode(tok, tokens: list[str], target_prefix: str = "") -> str:
    """Detokenize as Argos does: drop the target prefix and the tokenizer's leading space."""
    value = tok.decode(tokens)
    if target_prefix and value.startswith(target_prefix):
        value = value[len(target_prefix):]
    return value.strip()
