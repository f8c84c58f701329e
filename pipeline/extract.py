"""Extraction stage: source HTML documents -> sentence segments -> one POT per document."""

from __future__ import annotations

from pathlib import Path

import polib

from . import catalog, document, incremental, unitmap
from .config import Config, Folder
from .errors import SourceError
from .files import listing, read_bytes
from .segment import Result, Segment, new_segment


def extract_html(data: bytes, *, path: str) -> list[Segment]:
    """Segments of one HTML document (bytes), in document order."""
    return _segments(document.units(document.parse(data, path)), path=path)


def _segments(units: list[document.Unit], *, path: str) -> list[Segment]:
    legend = document.legend
    # (the legend only for a sentence with placeholders: most have none)
    return [new_segment(s.msgid, path, unit.line, unit.context, unit.notes, legend(s) if s.elements else ())
            for unit in units for s in unit.sentences if s.translatable]


def pot_for(data: bytes, *, path: str, doc: str) -> polib.POFile:
    """The template catalog of one document."""
    return catalog.segments_to_pot(extract_html(data, path=path), project=doc)


def source_documents(cfg: Config) -> list[Path]:
    """Every ``source/*.html`` (sorted); a missing or empty source folder is an error."""
    where = cfg.rel(cfg.source)
    if not cfg.source.is_dir():
        raise SourceError(where, "source folder not found")
    docs = listing(cfg.source, ".html", files_only=True)
    if not docs:
        raise SourceError(where, "no .html documents in the source folder")
    return docs


def pot_path(cfg: Config, doc: str) -> Path:
    """The template of one document: ``locales/<doc>.pot``."""
    return cfg.locales / f"{doc}.pot"


def extract(cfg: Config) -> Result:
    """Write ``locales/<doc>.pot`` for every source document; unchanged templates are not rewritten.

    A document whose bytes did not change since its template was written is not parsed again.
    All documents are parsed before anything is written, so bad input writes nothing.
    """
    result = Result()
    state = incremental.State(cfg, "extract")
    source, locales = Folder(cfg, cfg.source), Folder(cfg, cfg.locales)
    docs = []
    for src in source_documents(cfg):
        # Paths as text, each worked out once: the checks below are all an unchanged run does.
        doc, rel = src.stem, source.rel(src.name)
        out, out_rel = locales.path(f"{doc}.pot"), locales.rel(f"{doc}.pot")
        key = _key(rel, state.hash(source.path(src.name), rel, rel=rel))
        docs.append((src.name, doc, rel, out, out_rel, key, state.fresh(out, key, out_rel)))
    with incremental.Staging(cfg) as staging, unitmap.Pack(cfg) as pack:
        # (paths as text: cheaper to send to a worker, and to use there, than Path objects)
        todo = [(source.path(name), rel, doc, out, out_rel, staging)
                for name, doc, rel, out, out_rel, _, rec in docs if rec is None]
        done = iter(incremental.run(_extract_one, todo, jobs=cfg.jobs))
        for _, doc, rel, out, out_rel, key, rec in docs:
            if rec is None:
                staged, out_hash, entries, units_map = next(done)
                pack.add(doc, units_map)
                if staged:
                    staging.add(staged, out, out_hash)
                (result.written if staged else result.unchanged).append(out_rel)
                state.record(out, key, out_hash, entries=entries)
            else:
                entries = rec["entries"]
                result.unchanged.append(out_rel)
            if not entries:
                result.messages.append(f"{rel}: no translatable text")
            result.add("entries", entries)
            result.add("documents")
        staging.commit(state)
        if todo:  # (a run that redoes nothing reads and writes nothing, not even the maps)
            pack.commit([doc for _, doc, *_ in docs])
    state.save()
    return result


def _key(rel: str, source_hash: str) -> str:
    """What a template depends on: the source bytes (their hash, from
    :meth:`incremental.State.hash`), its path (in references) and the code."""
    return incremental.digest("pot", incremental.code_version(), rel, source_hash)


def _extract_one(job) -> tuple[str | None, str | None, int, bytes | None]:
    """Worker: (staged file or None when unchanged, output hash, entries, the map of the
    document's units for build, which then need not walk the same bytes again)."""
    src, rel, doc, out, out_rel, staging = job
    data = read_bytes(src, rel)
    tree = document.parse(data, rel)
    units = document.units(tree)
    units_map = unitmap.encode(unitmap.key(data), tree, units)
    pot = catalog.segments_to_pot(_segments(units, path=rel), project=doc)
    text = catalog.text_to_save(pot, out, date_key="POT-Creation-Date")
    if text is None:
        return None, incremental.file_hash(out), len(pot), units_map
    staged, out_hash = staging.write(out, text, out_rel)
    return staged, out_hash, len(pot), units_map
