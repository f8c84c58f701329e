"""Extraction: golden POTs per HTML case, the seed article's text, determinism, msgfmt."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import lxml.html
import pytest

from pipeline import catalog, document, sentences
from pipeline.extract import extract_html, pot_for

HERE = Path(__file__).resolve().parent
CASES = sorted((HERE / "golden" / "extract").glob("*.html"))
ROOT = HERE.parent


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_extract_golden(case, golden):
    pot = pot_for(case.read_bytes(), path=f"source/{case.name}", doc=case.stem)
    golden(case.with_suffix(".html.expect.pot"), catalog.render(pot))


def test_extract_is_deterministic():
    data = (ROOT / "source" / "article.html").read_bytes()
    a = catalog.render(pot_for(data, path="source/article.html", doc="article"))
    b = catalog.render(pot_for(data, path="source/article.html", doc="article"))
    assert a == b


def _seed_from_html(path: Path) -> str:
    """Rebuild the seed's text from the source HTML: headline, 元描述 line, then body blocks."""
    root = lxml.html.parse(str(path)).getroot()
    lines = [root.findtext(".//title"), "元描述: " + root.find(".//meta[@name='description']").get("content")]
    body = root.find(".//article")
    for el in body.iter("p", "h2", "li", "dt", "dd"):
        text = el.text_content()
        lines.append(("  • " + text) if el.tag in ("li", "dt", "dd") else text)
    return "\n\n".join(lines)


def test_source_html_keeps_every_character_of_the_seed():
    seed = (HERE / "data" / "article-zh.txt").read_text(encoding="utf-8")
    # The seed separates blocks with blank lines and list items with single newlines.
    blocks = [b for b in seed.replace("\n  • ", "\n\n  • ").split("\n\n") if b.strip()]
    html = ROOT / "source" / "article.html"
    assert _seed_from_html(html).split("\n\n") == [b.strip("\n") for b in blocks]
    root = lxml.html.parse(str(html)).getroot()
    assert root.get("lang") == "zh-Hans"
    assert root.findtext(".//h1") == root.findtext(".//title")
    assert len(root.findall(".//section")) == len(root.findall(".//section/h2")) == 8
    assert root.find(".//p[@class='lead']") is not None


def test_article_sentences_rejoin_to_the_paragraphs():
    tree = document.parse((ROOT / "source" / "article.html").read_bytes(), "source/article.html")
    for unit in document.units(tree, with_attrs=False):
        text = document.text_content(unit.element) if unit.prev is None and not list(unit.element) or not unit.children else None
        if text is None:
            continue
        joined = "".join(s.msgid + sep for s, sep in zip(unit.sentences, unit.separators))
        assert unit.lead + joined + unit.trail == text


def test_split_is_lossless_on_samples():
    for text in ["国家安全是立国之本。近年来,随着“国际。形势”复杂。", "A. B? C! d", "……好吗？？是的！", "(一。二)三。"]:
        assert "".join(sentences.split(text)) == text


def test_article_pot_passes_msgfmt(tmp_path):
    if not shutil.which("msgfmt"):
        pytest.skip("GNU gettext (msgfmt) not installed")
    pot = pot_for((ROOT / "source" / "article.html").read_bytes(), path="source/article.html", doc="article")
    out = tmp_path / "article.pot"
    out.write_text(catalog.render(pot), encoding="utf-8")
    subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(out)], check=True, capture_output=True)
    ids = [e.msgid for e in pot]
    assert "<1>集群战役:</1> 国家移民管理局根据犯罪活动的特点和规律,集中部署开展集群战役,对重特大案件实施挂牌督办,实现同类型案件集中研判、跨区域案件协同侦办,将犯罪分子一网打尽。" in ids
    assert len(ids) == len(set(ids))


def test_segments_carry_location_context_and_placeholder_legend():
    segs = extract_html((ROOT / "source" / "article.html").read_bytes(), path="source/article.html")
    label = next(s for s in segs if s.msgid.startswith("<1>全链条打击:</1>"))
    assert label.line == 28  # the <li> line in source/article.html
    assert label.context == '<li> in "专项打击行动:重拳出击,雷霆万钧"'
    assert label.placeholders == ("<1> = <strong>",)


def test_read_file_is_pathlib_read_bytes(tmp_path):
    from pipeline.files import read_file

    for name, data in (("empty", b""), ("small", "国门安全。".encode()), ("big", bytes(range(256)) * 5000)):
        (tmp_path / name).write_bytes(data)
        assert read_file(tmp_path / name) == (tmp_path / name).read_bytes() == data
    # A file whose size the stat does not tell (as in /proc) is read to its end.
    if Path("/proc/self/status").exists():
        assert read_file("/proc/self/status").startswith(b"Name:")
    for bad, error in ((tmp_path, IsADirectoryError), (tmp_path / "missing", FileNotFoundError)):
        with pytest.raises(error):
            read_file(bad)


def test_listing_is_pathlib_glob(tmp_path):
    """files.listing (one directory read) lists what sorted(glob) lists: hidden names too,
    case-sensitive suffix; with files_only, files and links to files only."""
    from pipeline.files import listing

    for name in ["b.html", "a.html", ".hidden.html", "UPPER.HTML", "x.htm", ".html", "Z.html"]:
        (tmp_path / name).write_text("x")
    (tmp_path / "folder.html").mkdir()
    (tmp_path / "link.html").symlink_to(tmp_path / "a.html")
    (tmp_path / "broken.html").symlink_to(tmp_path / "nowhere")
    assert listing(tmp_path, ".html") == sorted(tmp_path.glob("*.html"))
    assert listing(tmp_path, ".html", files_only=True) == sorted(
        p for p in tmp_path.glob("*.html") if p.is_file())
    assert [p.name for p in listing(tmp_path, ".html", files_only=True)] == [
        ".hidden.html", ".html", "Z.html", "a.html", "b.html", "link.html"]
    assert listing(tmp_path / "missing", ".html") == []
    assert listing(tmp_path / "a.html", ".html") == []  # not a folder
