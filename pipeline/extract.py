"""Extraction stage: source HTML documents -> sentence segments -> one POT per document."""

from __future__ import annotations

from pathlib import Path

import polib

from . import catalog, document
from .config import Config
from .errors import SourceError
from .files import read_bytes
from .segment import Result, Segment


def extract_html(data: bytes, *, path: str) -> list[Segment]:
    """Segments of one HTML document (bytes), in document order."""
    tree = document.parse(data, path)
    out = []
    for unit in document.units(tree):
        for s in unit.sentences:
            if not s.translatable:
                continue
            out.append(Segment(msgid=s.msgid, path=path, line=unit.line, context=unit.context,
                               notes=unit.notes, placeholders=document.legend(s)))
    return out


def pot_for(data: bytes, *, path: str, doc: str) -> polib.POFile:
    """The template catalog of one document."""
    return catalog.segments_to_pot(extract_html(data, path=path), project=doc)


def source_documents(cfg: Config) -> list[Path]:
    """Every ``source/*.html`` (sorted); a missing or empty source folder is an error."""
    where = cfg.rel(cfg.source)
    if not cfg.source.is_dir():
        raise SourceError(where, "source folder not found")
    docs = sorted(p for p in cfg.source.glob("*.html") if p.is_file())
    if not docs:
        raise SourceError(where, "no .html documents in the source folder")
    return docs


def pot_path(cfg: Config, doc: str) -> Path:
    return cfg.locales / f"{doc}.pot"


def extract(cfg: Config) -> Result:
    """Write ``locales/<doc>.pot`` for every source document; unchanged templates are not rewritten.

    All documents are parsed before anything is written, so bad input writes nothing.
    """
    result = Result()
    pots = []
    for src in source_documents(cfg):
        rel = cfg.rel(src)
        pot = pot_for(read_bytes(src, rel), path=rel, doc=src.stem)
        if not len(pot):
            result.messages.append(f"{rel}: no translatable text")
        pots.append((src.stem, pot))
    for doc, pot in pots:
        out = pot_path(cfg, doc)
        rel = cfg.rel(out)
        if catalog.save(pot, out, where=rel, date_key="POT-Creation-Date"):
            result.written.append(rel)
        else:
            result.unchanged.append(rel)
        result.add("entries", len(pot))
        result.add("documents")
    return result
