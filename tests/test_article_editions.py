"""The project's own article: seven reviewed catalogs, clean QA, eight complete editions."""

from __future__ import annotations

import re
import shutil

import lxml.html
import polib
import pytest
from click.testing import CliRunner

from pipeline import catalog, config, placeholders
from pipeline.cli import main

ROOT = config.Path(__file__).resolve().parent.parent
LANGS = ["en", "fr", "es", "ru", "ar", "ja", "zh_Hant"]
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


@pytest.fixture
def full_project(project):
    shutil.rmtree(project / "locales")
    shutil.copytree(ROOT / "locales", project / "locales")
    return project


def run(project, *args):
    return CliRunner().invoke(main, ["-C", str(project), *args], catch_exceptions=False)


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_is_complete_reviewed_and_faithful_to_its_template(lang):
    po = catalog.load(ROOT / f"locales/{lang}/LC_MESSAGES/article.po", lang)
    pot = catalog.load(ROOT / "locales/article.pot", "article.pot")
    assert [e.msgid for e in po if not e.obsolete] == [e.msgid for e in pot]
    for e in po:
        assert catalog.state(e) == "reviewed", e.msgid
        assert e.msgstr != e.msgid
        assert placeholders.problems(e.msgid, e.msgstr) == [], e.msgid
        if lang not in ("ja", "zh_Hant"):
            assert not HAN.search(e.msgstr), e.msgstr
    translator = po.metadata["Last-Translator"].lower()
    assert translator and not any(w in translator for w in ("argos", "opencc", "machine", " mt"))
    assert (ROOT / f"glossary/zh-{lang}.csv").is_file()


def test_check_and_status_are_clean(full_project):
    r = CliRunner().invoke(main, ["-C", str(full_project), "check"])
    assert r.exit_code == 0, r.output
    r = run(full_project, "status", "--json")
    assert r.exit_code == 0
    rows = __import__("json").loads(r.output)
    assert len(rows) == len(LANGS) and all(row["percent"] == 100 for row in rows)


def test_build_writes_eight_complete_editions(full_project):
    r = run(full_project, "build")
    assert r.exit_code == 0, r.output
    pages = sorted(p.parent.name for p in (full_project / "site").glob("*/article.html"))
    assert pages == sorted(["zh-Hans", "en", "fr", "es", "ru", "ar", "ja", "zh-Hant"])
    for lang in ("en", "fr", "es", "ru", "ar"):
        root = lxml.html.parse(str(full_project / f"site/{lang}/article.html")).getroot()
        article = root.find(".//article")
        assert not HAN.search(article.text_content()), lang
        assert not HAN.search(root.findtext(".//title"))
        assert not root.xpath('.//article//*[@lang="zh-Hans"]'), lang


def test_a_source_edit_marks_exactly_that_sentence_fuzzy_in_every_language(full_project):
    assert run(full_project, "extract").exit_code == 0
    assert run(full_project, "update").exit_code == 0
    before = {l: (full_project / f"locales/{l}/LC_MESSAGES/article.po").read_bytes() for l in LANGS}
    assert before == {l: (ROOT / f"locales/{l}/LC_MESSAGES/article.po").read_bytes() for l in LANGS}
    html = full_project / "source/article.html"
    old = "口岸是国家重要的出入境通道,也是跨境犯罪活动的重要途径。"
    new = "口岸是国家重要的出入境通道,也往往是跨境犯罪活动的重要途径。"
    html.write_text(html.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    run(full_project, "extract")
    run(full_project, "update")
    for lang in LANGS:
        po = polib.pofile(str(full_project / f"locales/{lang}/LC_MESSAGES/article.po"))
        fuzzy = [e for e in po if "fuzzy" in e.flags]
        assert [e.msgid for e in fuzzy] == [new], lang
        assert fuzzy[0].previous_msgid == old
        assert sum(1 for e in po if catalog.state(e) == "reviewed") == len(po) - 1
