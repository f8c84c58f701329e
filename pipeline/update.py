"""Update stage: create or merge each language's catalogs from the templates."""

from __future__ import annotations

import os
from pathlib import Path

from . import catalog, incremental
from .config import Config, Folder, po_dir_name
from .errors import CatalogError
from .files import listing, read_bytes
from .segment import Result


def templates(cfg: Config) -> list[Path]:
    """Every ``locales/*.pot`` (sorted); none at all is an error."""
    where = cfg.rel(cfg.locales)
    pots = listing(cfg.locales, ".pot")
    if not pots:
        raise CatalogError(where, "no templates (.pot): run `pipeline extract` first")
    return pots


def catalog_dir(cfg: Config, lang: str) -> Path:
    """``locales/<L>/LC_MESSAGES``, L the gettext name of the language (zh_Hant)."""
    return cfg.locales / po_dir_name(lang) / "LC_MESSAGES"


def po_path(cfg: Config, lang: str, doc: str) -> Path:
    """The catalog of one document in one language."""
    return catalog_dir(cfg, lang) / f"{doc}.po"


def catalogs(cfg: Config, lang: str) -> list[tuple[str, Path]]:
    """(document, path) of every existing catalog of a language."""
    d = catalog_dir(cfg, lang)
    return [(p.stem, p) for p in listing(d, ".po")]


def update(cfg: Config, langs: tuple[str, ...]) -> Result:
    """Merge every template into every language's catalog. Reads and merges all, then writes.

    A catalog whose template did not change and that nobody edited since the last merge is
    neither parsed nor rewritten: merging again would give the same bytes.
    """
    result = Result()
    state = incremental.State(cfg, "update")
    docs = []
    # Paths as text, each worked out once: the checks below are all an unchanged run does.
    locales = Folder(cfg, cfg.locales)
    po_dirs = {lang: Folder(cfg, catalog_dir(cfg, lang)) for lang in langs}
    for pot_file in templates(cfg):
        pot_rel = locales.rel(pot_file.name)
        pot_hash = state.hash(locales.path(pot_file.name), pot_rel, rel=pot_rel)
        name = f"{pot_file.stem}.po"
        paths = {lang: po_dirs[lang].path(name) for lang in langs}
        rels = {lang: po_dirs[lang].rel(name) for lang in langs}
        keys = {lang: _key(lang, pot_hash) for lang in langs}
        recs = {lang: state.fresh(paths[lang], keys[lang], rels[lang]) for lang in langs}
        docs.append((pot_file, pot_rel, pot_hash, paths, rels, keys, recs))
    with incremental.Staging(cfg) as staging:
        # (paths as text: cheaper to send to a worker, and to use there, than Path objects)
        todo = [(locales.path(pot_file.name), pot_rel,
                 {lang: (paths[lang], rels[lang]) for lang in langs if recs[lang] is None}, staging,
                 _extracted(state, pot_rel, pot_hash))
                for pot_file, pot_rel, pot_hash, paths, rels, _, recs in docs if None in recs.values()]
        done = iter(incremental.run(_update_one, todo, jobs=cfg.jobs))
        for _, _, _, paths, rels, keys, recs in docs:
            merged = next(done) if None in recs.values() else {}
            for lang in langs:
                rel = rels[lang]
                if recs[lang] is None:
                    path = paths[lang]
                    stats, staged, out_hash = merged[lang]
                    if staged:
                        staging.add(staged, path, out_hash)
                    (result.written if staged else result.unchanged).append(rel)
                    state.record(path, keys[lang], out_hash, entries=stats["entries"])
                else:
                    # Merging an unchanged template again keeps every entry and adds nothing.
                    stats = {"kept": recs[lang]["entries"], "new": 0, "fuzzy": 0, "obsolete": 0,
                             "revived": 0}
                    result.unchanged.append(rel)
                for k, v in stats.items():
                    if k != "entries":
                        result.add(k, v)
        staging.commit(state)
    state.save()
    return result


def _key(lang: str, pot_hash: str) -> str:
    """What a merged catalog depends on besides its own bytes: the template (the hash of its
    bytes, from :meth:`incremental.State.hash`), the language and the code."""
    return incremental.digest("po", incremental.code_version(), lang, pot_hash)


def _extracted(state: incremental.State, pot_rel: str, pot_hash: str | None) -> int | None:
    """The number of entries extract recorded for a template that is still byte for byte
    what it wrote (not edited since), else None: see _update_one. Extract's records are read
    only when a catalog is to be merged."""
    written = state.records_of("extract").get(pot_rel)
    as_written = bool(written) and written.get("out") == pot_hash and isinstance(written.get("entries"), int)
    return written["entries"] if as_written else None


def _update_one(job) -> dict[str, tuple]:
    """Worker: merge one template into the given languages' catalogs, staging changed ones.

    ``catalogs``: {lang: (path, rel)} of the catalogs to merge.
    Returns {lang: (stats, staged file or None when unchanged, output hash)}.
    """
    pot_file, where, catalogs, staging, extracted = job
    exists = {lang: os.path.exists(path) for lang, (path, _) in catalogs.items()}
    # ``extracted``: the number of entries extract recorded for a template that is still byte
    # for byte what it wrote (else None). A new language's first catalog then comes from the
    # template's bytes (catalog.first_catalog_bytes), and the template's entries need not be read.
    new_only = extracted is not None and not any(exists.values())
    pot = None if new_only else catalog.load(pot_file, where)
    pot_bytes = None
    out = {}
    for lang, (path, rel) in catalogs.items():
        old = catalog.load(path, rel) if exists[lang] else None
        entries = extracted if pot is None else len(pot)
        if old is None and extracted is not None:
            # A new language: the same bytes as merging, without rendering every entry again.
            stats = {"kept": 0, "new": entries, "fuzzy": 0, "obsolete": 0, "revived": 0}
            if pot_bytes is None:
                pot_bytes = read_bytes(pot_file, where)
            text = catalog.first_catalog_bytes(pot_bytes, lang=lang, where=where)
        else:
            po, stats = catalog.merge(old, pot, lang=lang)
            text = catalog.text_to_save(po, path, date_key="PO-Revision-Date")
        stats["entries"] = entries
        if text is None:
            out[lang] = (stats, None, incremental.file_hash(path))
        else:
            out[lang] = (stats, *staging.write(path, text, rel))
    return out
