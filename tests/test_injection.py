"""No injection: hostile translations in every entry of a catalog never become live markup in
the built editions or in the review reports. Outputs are parsed as a browser would (html5lib)
and compared with the same build from harmless translations."""

from __future__ import annotations

import itertools
import json
import shutil
from collections import Counter
from pathlib import Path

import html5lib
from click.testing import CliRunner

from pipeline import catalog
from pipeline.cli import main

PO = "locales/en/LC_MESSAGES/article.po"
URL_ATTRS = ("href", "src", "action", "formaction", "xlink:href", "poster", "data", "srcdoc", "content")

# Appended to the msgid (so that the placeholders match and the translation is rendered).
PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "\\<1 onclick=alert(1)>",
    '" onmouseover="alert(1)" x="',
    "' onfocus='alert(1)' autofocus '",
    "</title><script>alert(1)</script>",
    "</textarea></style></script><svg onload=alert(1)>",
    "--><script>alert(1)</script><!--",
    "]]><iframe src=javascript:alert(1)>",
    "<!-- <script>alert(1)</script> -->",
    "javascript:alert(1)",
    "\u2028</script>\u2029<script>alert(1)//",
]
# Whole translations: forged placeholders (rejected, the source sentence is used instead).
FORGERIES = [
    "<1 onclick=x>text</1>",
    "</1><script>alert(1)</script><1>",
    '<1 href="javascript:alert(1)">x</1>',
    "<99>x</99><script>alert(1)</script>",
    "<1/><img src=x onerror=alert(1)>",
]


def fill(root: Path, translate) -> None:
    """Give every entry of the English catalog a reviewed translation ``translate(msgid, i)``."""
    path = root / PO
    po = catalog.load(path, PO)
    for i, e in enumerate(po):
        e.msgstr = translate(e.msgid, i)
        e.flags = [f for f in e.flags if f != "fuzzy"]
        e.tcomment = "reviewed-by: injection-test"
    catalog.save(po, path, where=PO, date_key="PO-Revision-Date")


def outputs(root: Path, name: str) -> dict[str, str]:
    """Build the English edition and the reports; the HTML files written (copied to ``name``/)."""
    for args in (["build", "--lang", "en", "--threshold", "0"], ["report", "--lang", "en"]):
        r = CliRunner().invoke(main, ["-C", str(root), *args])
        assert r.exit_code == 0, r.output
    out = {}
    for folder in ("site", "reports"):
        for p in sorted((root / folder).rglob("*.html")):
            out[p.relative_to(root).as_posix()] = p.read_text(encoding="utf-8")
    shutil.copytree(root / "site", root.parent / name / "site", dirs_exist_ok=True)
    return out


def live(html: str) -> dict[str, Counter]:
    """What a browser would run or load from a page: scripts, event handlers, script URLs, tags."""
    doc = html5lib.parse(html, treebuilder="lxml", namespaceHTMLElements=False)
    found = {"script": Counter(), "handler": Counter(), "url": Counter(), "tag": Counter()}
    for el in doc.getroot().iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.split("}")[-1]
        found["tag"][tag] += 1
        if tag == "script":
            found["script"][(el.get("type"), el.get("src"))] += 1
            if el.get("type") == "application/ld+json":
                json.loads(el.text)  # data, and still valid JSON
        for k, v in el.attrib.items():
            k = k.split("}")[-1].lower()
            if k.startswith("on"):
                found["handler"][(tag, k)] += 1
            if k in URL_ATTRS and v.strip().lower().replace("\t", "").replace("\n", "").startswith(
                    ("javascript:", "vbscript:", "data:text/html")):
                found["url"][(tag, k, v)] += 1
    return found


def test_hostile_translations_never_become_live_markup(en_project):
    # Harmless: the source itself, untranslated where the hostile run has forgeries (both fall
    # back to the source sentence, marked with its language).
    fill(en_project, lambda msgid, i: "" if i % 4 == 3 else msgid)
    baseline = {k: live(v) for k, v in outputs(en_project, "benign").items()}
    cycle = itertools.cycle(PAYLOADS)

    def hostile(msgid, i):
        return FORGERIES[i % len(FORGERIES)] if i % 4 == 3 else f"{msgid} {next(cycle)}"

    fill(en_project, hostile)
    built = outputs(en_project, "hostile")
    assert set(built) == set(baseline)
    edition = built["site/en/article.html"]
    assert "alert(1)" in edition  # the payloads are there, as text
    for path, html in built.items():
        got, want = live(html), baseline[path]
        assert got["script"] == want["script"], f"{path}: scripts {got['script'] - want['script']}"
        assert got["handler"] == want["handler"], f"{path}: event handlers {got['handler'] - want['handler']}"
        assert got["url"] == want["url"], f"{path}: script URLs {got['url'] - want['url']}"
        new_tags = set(got["tag"]) - set(want["tag"])
        assert not new_tags, f"{path}: elements that the source does not have: {new_tags}"
        for tag in ("iframe", "svg", "style", "object", "embed", "img"):
            assert got["tag"][tag] <= want["tag"][tag], f"{path}: extra <{tag}>"


def test_hostile_attribute_values_stay_inside_their_attribute(en_project):
    """Translated attributes (title, alt, meta content) cannot break out of their quotes."""
    fill(en_project, lambda msgid, i: f'{msgid} " onmouseover="alert(1)" data-x=\'')
    built = outputs(en_project, "attrs")
    doc = html5lib.parse(built["site/en/article.html"], treebuilder="lxml", namespaceHTMLElements=False)
    attrs = Counter(k for el in doc.getroot().iter() if isinstance(el.tag, str) for k in el.attrib)
    assert not any(k.lower().startswith("on") for k in attrs)
    assert "data-x" not in attrs
    description = doc.getroot().find(".//meta[@name='description']").get("content")
    assert 'onmouseover="alert(1)"' in description
