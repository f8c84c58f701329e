"""Update stage: create or merge each language's catalogs from the templates."""

from __future__ import annotations

from pathlib import Path

from . import catalog
from .config import Config, po_dir_name
from .errors import CatalogError
from .segment import Result


def templates(cfg: Config) -> list[Path]:
    where = cfg.rel(cfg.locales)
    pots = sorted(cfg.locales.glob("*.pot")) if cfg.locales.is_dir() else []
    if not pots:
        raise CatalogError(where, "no templates (.pot): run `pipeline extract` first")
    return pots


def po_path(cfg: Config, lang: str, doc: str) -> Path:
    return cfg.locales / po_dir_name(lang) / "LC_MESSAGES" / f"{doc}.po"


def catalogs(cfg: Config, lang: str) -> list[tuple[str, Path]]:
    """(document, path) of every existing catalog of a language."""
    d = cfg.locales / po_dir_name(lang) / "LC_MESSAGES"
    return [(p.stem, p) for p in sorted(d.glob("*.po"))] if d.is_dir() else []


def update(cfg: Config, langs: tuple[str, ...]) -> Result:
    """Merge every template into every language's catalog. Reads and merges all, then writes."""
    result = Result()
    pending = []
    for pot_file in templates(cfg):
        pot = catalog.load(pot_file, cfg.rel(pot_file))
        doc = pot_file.stem
        for lang in langs:
            path = po_path(cfg, lang, doc)
            rel = cfg.rel(path)
            old = catalog.load(path, rel) if path.exists() else None
            po, stats = catalog.merge(old, pot, lang=lang)
            for k, v in stats.items():
                result.add(k, v)
            pending.append((po, path, rel))
    for po, path, rel in pending:
        if catalog.save(po, path, where=rel, date_key="PO-Revision-Date"):
            result.written.append(rel)
        else:
            result.unchanged.append(rel)
    return result
