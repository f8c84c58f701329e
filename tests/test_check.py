"""QA checks: each rule on its own, silencing flags, and `pipeline check` on a catalog."""

from __future__ import annotations

import json

import polib
import pytest
from click.testing import CliRunner

from pipeline import check
from pipeline.cli import main
from qa_catalogs import make_project, po_file

TERMS = [("国家移民管理局", "National Immigration Administration | NIA", "")]
SRC = "<1>引言:</1> 国家安全是立国之本,边境安全是国家安全的重要组成部分。"
GOOD = ("<1>Introduction:</1> National security is the foundation of the state, and border "
        "security is an important part of national security.")

# (source, target, language, code expected) - one case per rule.
CASES = [
    ("placeholder-missing", SRC, GOOD.replace("</1>", ""), "en", "placeholder"),
    ("placeholder-invented", "国家安全。", "<1>National</1> security.", "en", "placeholder"),
    ("placeholder-malformed", "国家<1/>安全。", "National < 1/> security.", "en", "placeholder"),
    ("placeholder-order", "<1>国家</1><2>安全</2>。", "<1>National <2>security</1></2>.", "en", "placeholder"),
    ("script", "国家安全。", "National <script>alert(1)</script> security.", "en", "unsafe"),
    ("entity", "国家安全。", "National&nbsp;security.", "en", "unsafe"),
    ("javascript-url", "国家安全。", "National security javascript:alert(1).", "en", "unsafe"),
    ("empty", "国家安全。", "   ", "en", "empty"),
    ("placeholders-only", "国家<1/>安全。", "<1/>", "en", "empty"),
    ("chinese", "国家安全很重要。", "National 安全 is important.", "en", "chinese"),
    ("number", "2023年查获1,234人。", "In 2023, 1,243 people were caught.", "en", "number"),
    ("url", "详见 https://www.nia.gov.cn/n2/ 。", "See the website.", "en", "url"),
    ("email", "联系 press@nia.gov.cn。", "Contact the press office.", "en", "email"),
    ("glossary", "国家移民管理局发布了新规定。", "The immigration office issued new rules.", "en", "glossary"),
    ("identical", "国家安全", "国家安全", "ja", "identical"),
    ("simplified", "国门安全", "国门安全", "zh-Hant", "simplified"),
    ("whitespace", "国家安全。", "National security. ", "en", "whitespace"),
    ("doubled-word", "国家安全很重要。", "National security is is important.", "en", "repeat"),
    ("ngram-loop", "边境管控。", "Border control, border control, border control.", "en", "repeat"),
    ("cjk-loop", "边境管控很重要。", "国境管理国境管理国境管理は重要です。", "ja", "repeat"),
    ("too-short", "近年来,随着国际形势的复杂化,违法犯罪活动呈现出新的趋势。", "Crime grew.", "en", "length"),
    ("too-long", "国家安全很重要的问题。", "National security " * 12 + "matters.", "en", "length"),
    ("end-punct", "国家安全是立国之本。", "National security is the foundation of the state", "en", "end-punct"),
    ("question", "国家安全重要吗?", "Is national security important.", "en", "end-punct"),
    ("fullwidth", "国家安全,很重要。", "National security，is important.", "fr", "fullwidth"),
]


@pytest.mark.parametrize("src,tgt,lang,code", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_rule_fires(src, tgt, lang, code):
    codes = {c for _, c, _ in check.check_text(src, tgt, lang=lang, terms=TERMS)}
    assert code in codes
    sev = {s for s, c, _ in check.check_text(src, tgt, lang=lang, terms=TERMS) if c == code}
    assert sev == {check.CHECKS[code][0]}


OK_CASES = [
    ("good", SRC, GOOD, "en"),
    ("cjk-punct-maps", "国家安全重要吗?真的!", "Is national security important? Really!", "en"),
    ("glossary-alternative", "国家移民管理局发布。", "The NIA released it.", "en"),
    ("glossary-inflected", "国家移民管理局发布。", "The National Immigration Administration's release.", "en"),
    ("cjk-scaled-number", "查获3.5万人,增长12%。", "35,000 people were caught, up 12%.", "en"),
    ("french-grouping", "查获1,234.5吨。", "1 234,5 tonnes saisies.", "fr"),
    ("fullwidth-digits", "查获１２３人。", "123 people were caught.", "en"),
    ("hant-identical-ok", "中國加強邊境管理。", "中國加強邊境管理。", "zh-Hant"),
    ("hant-converted", "中国加强边境管理。", "中國加強邊境管理。", "zh-Hant"),
    ("nous-nous", "我们见过面。", "Nous nous sommes rencontrés.", "fr"),
    ("cjk-reduplication", "大家常常研究研究。", "大家は常常研究研究します。", "ja"),
    ("source-has-markup-text", "使用 <b> 标签。", "Use the <b> tag.", "en"),
]


@pytest.mark.parametrize("src,tgt,lang", [c[1:] for c in OK_CASES], ids=[c[0] for c in OK_CASES])
def test_no_false_alarm(src, tgt, lang):
    assert check.check_text(src, tgt, lang=lang, terms=TERMS) == []


def test_flag_silences_one_code():
    tgt = "National security is is important. "
    flags = ["fuzzy", "pipeline-ignore-repeat"]
    codes = {c for _, c, _ in check.check_text("国家安全很重要。", tgt, lang="en", flags=flags)}
    assert "repeat" not in codes and "whitespace" in codes


def _break(cfg, edits: dict[int, str], flags: dict[int, list[str]] = {}):
    path = po_file(cfg)
    po = polib.pofile(str(path))
    for i, text in edits.items():
        po[i].msgstr = text
    for i, fl in flags.items():
        po[i].flags.extend(fl)
    po.save(str(path))
    return polib.pofile(str(path))  # line numbers as written


def test_done_when_broken_placeholder_chinese_and_script_exit_1(project):
    cfg = make_project(project)
    po = _break(cfg, {
        2: "<1>Introduction: National security is the foundation of the state.",
        3: "In recent years, 国际形势 has become complex, posing new challenges to security.",
        6: "Cross-border crime <script>alert(1)</script> has become rampant in recent years.",
    })
    r = CliRunner().invoke(main, ["-C", str(project), "check", "-l", "en"])
    assert r.exit_code == 1, r.output
    out = r.stdout
    rel = "locales/en/LC_MESSAGES/article.po"
    assert f"{rel}:{po[2].linenum}: error: placeholder: placeholder </1> missing" in out
    assert f"{rel}:{po[3].linenum}: error: chinese: Chinese text left in the translation: 国际形势" in out
    assert f"{rel}:{po[6].linenum}: error: unsafe: raw HTML '<script>' is not a placeholder" in out
    assert "error(s)" in r.stderr


def test_check_json_and_clean_exit(project):
    cfg = make_project(project)
    r = CliRunner().invoke(main, ["-C", str(project), "check", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == []
    _break(cfg, {2: GOOD + " the the"})
    r = CliRunner().invoke(main, ["-C", str(project), "check", "-l", "en", "--json"])
    data = json.loads(r.stdout)
    assert r.exit_code == 0  # warnings only
    assert {d["code"] for d in data} == {"repeat", "end-punct"}
    assert all(d["where"].startswith("locales/en/LC_MESSAGES/article.po:") for d in data)


def test_ignore_flag_in_catalog(project):
    cfg = make_project(project)
    _break(cfg, {3: "In recent years, 国际形势 has become complex, posing new challenges to security."},
           {3: ["pipeline-ignore-chinese"]})
    assert [f for f in check.check(cfg, ("en",)) if f.code == "chinese"] == []


def test_bad_glossary_names_line(project):
    make_project(project)
    (project / "glossary" / "zh-en.csv").write_text("source,target\n国家,\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["-C", str(project), "check", "-l", "en"])
    assert r.exit_code == 1
    assert "Error: glossary/zh-en.csv:2: a term needs both source and target" in r.stderr
