"""Glossaries: ``glossary/<src>-<tgt>.csv`` term lists (UTF-8, header ``source,target,note``)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from .config import Config, base_language, po_dir_name
from .errors import ConfigError
from .files import read_bytes

HEADER = ("source", "target", "note")
# A target may list accepted renderings, "Государственное ... | ГИУ": the first is preferred
# (what MT writes), all are accepted (what `pipeline check` wants).
VARIANT_SEPARATOR = "|"


def path(cfg: Config, lang: str) -> Path:
    """``glossary/zh-<L>.csv``: base source language, gettext name of the target (zh_Hant)."""
    return cfg.root / cfg.glossary_dir / f"{base_language(cfg.source_language)}-{po_dir_name(lang)}.csv"


def variants(target: str) -> list[str]:
    """The accepted renderings of a term's target, the preferred one first."""
    return [v.strip() for v in target.split(VARIANT_SEPARATOR) if v.strip()]


def load(cfg: Config, lang: str) -> list[tuple[str, str, str]]:
    """The (source, target, note) terms for one target language; no file means no terms.

    ``target`` is the field as written: :func:`variants` splits it into its renderings.

    A bad header, a row without source or target, or a term listed twice raises ConfigError
    naming ``file:line``.
    """
    p = path(cfg, lang)
    if not p.is_file():
        return []
    return parse(read_bytes(p, cfg.rel(p)), where=cfg.rel(p))


def parse(data: bytes, *, where: str) -> list[tuple[str, str, str]]:
    """Parse glossary CSV bytes (see ``load``)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ConfigError(f"{where}:{line}", "not valid UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    terms: list[tuple[str, str, str]] = []
    seen: dict[str, int] = {}
    try:
        header = next(reader, None)
        if header is None:
            return []
        names = tuple(h.strip().lower() for h in header)
        if names[:2] != HEADER[:2] or len(names) > 3 or (len(names) == 3 and names[2] != "note"):
            raise ConfigError(f"{where}:1", f"header must be 'source,target,note', not {','.join(header)!r}")
        for row in reader:
            line = reader.line_num
            if not any(c.strip() for c in row):
                continue
            if len(row) > len(names):
                raise ConfigError(f"{where}:{line}", f"{len(row)} fields, expected at most {len(names)}")
            src, tgt, note = (list(c.strip() for c in row) + ["", ""])[:3]
            if not src or not variants(tgt):
                raise ConfigError(f"{where}:{line}", "a term needs both source and target")
            if src in seen:
                raise ConfigError(f"{where}:{line}", f"term {src!r} already listed on line {seen[src]}")
            seen[src] = line
            terms.append((src, tgt, note))
    except csv.Error as e:
        raise ConfigError(f"{where}:{reader.line_num}", f"malformed CSV: {e}") from None
    return terms
