"""Catalogs for the review/QA tests, built with polib in a temporary project (never locales/)."""

from __future__ import annotations

from pathlib import Path

import polib

from pipeline import catalog, config
from pipeline.extract import extract
from pipeline.update import update

GLOSSARY_EN = "source,target,note\n国家移民管理局,National Immigration Administration | NIA,\n"

# msgid index in the article's catalog -> (msgstr, state): the article's first sentences.
EN = {
    0: ("China cracks down on cross-border crime: the alarm bell of border security keeps ringing", "reviewed"),
    2: ("<1>Introduction:</1> National security is the foundation of the state, and border security "
        "is an important part of national security.", "machine"),
    3: ("In recent years, with the growing complexity of the international situation, illegal and "
        "criminal activities obstructing national border administration have shown new trends and "
        "characteristics, posing new challenges to national security and social stability.", "machine"),
    5: ("Fighting cross-border crime: a strong guardian of border security", "changed"),
    6: ("In recent years, with the acceleration of economic globalisation and increasing mobility, "
        "cross-border crime has become more and more rampant.", "fuzzy"),
}
SCORES = {2: -0.30, 3: -0.05}


def make_project(project: Path, *, lang: str = "en", translations: dict | None = None) -> config.Config:
    """Extract the article, create the catalog of ``lang`` and fill it with ``translations``
    (default EN): states machine (with a provenance score), changed, fuzzy and reviewed."""
    (project / "glossary").mkdir(exist_ok=True)
    for old in (project / "glossary").glob("*.csv"):
        old.unlink()
    (project / "glossary" / "zh-en.csv").write_text(GLOSSARY_EN, encoding="utf-8")
    cfg = config.load(project)
    extract(cfg)
    update(cfg, (lang,))
    path = po_file(cfg, lang)
    po = polib.pofile(str(path), wrapwidth=catalog.WRAP)
    for i, (text, state) in (EN if translations is None else translations).items():
        e = po[i]
        e.msgstr = text
        if state != "reviewed":
            e.flags.append("fuzzy")
        if state == "machine":
            catalog.set_provenance(e, {"engine": "argos", "model": "zh-en", "score": SCORES.get(i, -0.2)})
        if state == "changed":
            e.previous_msgid = e.msgid.replace("坚强", "忠诚")
    catalog.save(po, path, where=cfg.rel(path), date_key="PO-Revision-Date")
    return cfg


def po_file(cfg: config.Config, lang: str = "en") -> Path:
    return cfg.locales / config.po_dir_name(lang) / "LC_MESSAGES" / "article.po"


def entry(cfg: config.Config, index: int, lang: str = "en") -> polib.POEntry:
    return polib.pofile(str(po_file(cfg, lang)))[index]
