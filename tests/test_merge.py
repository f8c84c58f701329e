"""Merging templates into catalogs: golden before/after files and the never-lose-a-msgstr rule."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest

from pipeline import catalog

HERE = Path(__file__).resolve().parent / "golden" / "merge"
CASES = sorted(HERE.glob("*.pot"))
# Which language each case merges for: <case>.pot [+ <case>.old.po] -> <case>.<lang>.expect.po
LANG = {"basic": "fr", "new_language": "ar"}


@pytest.mark.parametrize("pot_path", CASES, ids=[c.stem for c in CASES])
def test_merge_golden(pot_path, golden):
    case = pot_path.stem
    old_path = HERE / f"{case}.old.po"
    old = catalog.load(old_path, old_path.name) if old_path.exists() else None
    po, _ = catalog.merge(old, catalog.load(pot_path, pot_path.name), lang=LANG[case])
    po.metadata["PO-Revision-Date"] = "2026-02-02 00:00+0000"
    golden(HERE / f"{case}.{LANG[case]}.expect.po", catalog.render(po))


def test_merge_semantics():
    old = catalog.load(HERE / "basic.old.po", "basic.old.po")
    po, stats = catalog.merge(old, catalog.load(HERE / "basic.pot", "basic.pot"), lang="fr")
    by_id = {e.msgid: e for e in po if not e.obsolete}
    gone = {e.msgid: e for e in po.obsolete_entries()}
    assert by_id["保持不变的句子。"].msgstr == "Une phrase qui ne change pas."
    assert "fuzzy" not in by_id["保持不变的句子。"].flags
    changed = by_id["国家移民管理局昨天发布了最新成果。"]
    assert "fuzzy" in changed.flags and changed.previous_msgid == "国家移民管理局发布了最新成果。"
    assert changed.msgstr.startswith("L'Administration")
    revived = by_id["曾经删除的句子回来了。"]
    assert revived.msgstr == "La phrase supprimée autrefois est revenue."
    assert gone["这个句子将被删除。"].msgstr == "Cette phrase sera supprimée."
    assert "没有翻译的句子被删除。" not in gone  # nothing to keep
    assert catalog.state(by_id["机器翻译的句子。"]) == "machine"
    assert by_id["全新的句子。"].msgstr == ""
    assert stats == {"kept": 2, "new": 1, "fuzzy": 1, "obsolete": 1, "revived": 1}
    assert po.metadata["Plural-Forms"] == "nplurals=2; plural=(n > 1);"
    assert po.metadata["Last-Translator"] == "Team <team@example.org>"


def test_every_msgstr_survives_any_merge():
    old = catalog.load(HERE / "basic.old.po", "basic.old.po")
    empty_pot = polib.POFile()
    po, _ = catalog.merge(old, empty_pot, lang="fr")
    kept = {e.msgstr for e in po}
    assert {e.msgstr for e in old if e.msgstr} <= kept


def test_plural_forms_come_from_cldr():
    assert catalog.language_metadata("ar")["Plural-Forms"].startswith("nplurals=6;")
    assert catalog.language_metadata("ja")["Plural-Forms"].startswith("nplurals=1;")
    assert catalog.language_metadata("zh-Hant")["Language"] == "zh_Hant"


def test_obsolete_entry_with_previous_msgid_reads_back(tmp_path):
    """A changed (fuzzy, `#|`) sentence later removed is written `#~| msgid …`, as GNU msgmerge
    does; loading that catalog again must work and keep the translation."""
    def pot(*ids):
        p = polib.POFile()
        p.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
        for i in ids:
            p.append(polib.POEntry(msgid=i))
        return p

    po = pot("你好世界。")
    po[0].msgstr = "Hello world."
    changed, _ = catalog.merge(po, pot("你好世界！"), lang="en")
    gone, _ = catalog.merge(changed, pot("完全不同的句子。"), lang="en")
    path = tmp_path / "x.po"
    path.write_text(catalog.render(gone), encoding="utf-8")
    assert "#~| msgid" in path.read_text(encoding="utf-8")
    again = catalog.load(path, "x.po")
    assert [e.msgstr for e in again.obsolete_entries()] == ["Hello world."]


def _pots():
    root = Path(__file__).resolve().parent.parent
    return sorted((root / "locales").glob("*.pot")) + sorted((root / "tests" / "golden" / "extract").glob("*.pot"))


@pytest.mark.parametrize("pot_path", _pots(), ids=lambda p: p.stem)
@pytest.mark.parametrize("lang", ["en", "ar", "zh-Hant", "ja"])
def test_first_catalog_bytes_are_the_merge_rendered(pot_path, lang, tmp_path, monkeypatch):
    """update's shortcut for a new language gives the bytes that merging and rendering give."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    data = pot_path.read_bytes()
    text = data.decode("utf-8")
    pot = catalog.load(pot_path, pot_path.name)
    assert catalog.render(pot) == text  # the shortcut's condition: a template as extract writes it
    po, stats = catalog.merge(None, pot, lang=lang)
    assert stats["new"] == len(pot)
    want = catalog.text_to_save(po, tmp_path / "absent.po", date_key="PO-Revision-Date")
    assert catalog.first_catalog_bytes(data, lang=lang, where=pot_path.name) == want.encode("utf-8")
