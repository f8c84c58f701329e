"""What makes a translated tree a publishable page: language and direction, alternates and
canonical links, Open Graph locales, the language switcher, JSON-LD, the unreviewed notice;
and the site-wide pages (index, sitemap). Language facts come from CLDR through Babel."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from json.encoder import encode_basestring
from xml.sax.saxutils import escape, quoteattr

import lxml.etree as etree
from babel import Locale
from babel.core import get_global

from .config import po_dir_name
from .edition import text_of

STYLESHEET = "assets/style.css"
ICON = "assets/icon.svg"
# The few words of interface an edition shows besides its own text. Languages missing here
# get the English wording, marked lang="en" so that it is read and hyphenated as English.
UI = {
    "en": ("Languages", "This edition includes machine translations that have not been reviewed yet."),
    "fr": ("Langues", "Cette édition contient des traductions automatiques qui n’ont pas encore été relues."),
    "es": ("Idiomas", "Esta edición incluye traducciones automáticas que aún no se han revisado."),
    "de": ("Sprachen", "Diese Ausgabe enthält maschinelle Übersetzungen, die noch nicht geprüft wurden."),
    "ru": ("Языки", "Это издание содержит машинный перевод, который ещё не проверен."),
    "ar": ("اللغات", "تتضمن هذه النسخة ترجمات آلية لم تتم مراجعتها بعد."),
    "ja": ("言語", "この版には、まだ確認されていない機械翻訳が含まれています。"),
    "zh-Hans": ("语言", "本版本包含尚未审校的机器翻译。"),
    "zh-Hant": ("語言", "本版本包含尚未審校的機器翻譯。"),
}
# Elements the build generates; removed from the source first so a page never has two.
# They are found in one pass of lxml's tag filter over the tree (see _generated): an XPath
# with a "//" per tag walked the whole tree three times for every edition.
GENERATED_TAGS = ("link", "meta", "script")
ICON_XPATH = etree.XPath("link[contains(concat(' ', normalize-space(@rel), ' '), ' icon ')]")
# XPath's normalize-space() collapses these four only (str.split() would take others too).
XPATH_SPACE = str.maketrans("\t\r\n", "   ")


# The language facts below are asked for several times per edition and never change while
# the program runs; Babel parses the locale again on every call, so each answer is kept.
@functools.cache
def locale(lang: str) -> Locale:
    return Locale.parse(po_dir_name(lang))


@functools.cache
def direction(lang: str) -> str:
    """"rtl" or "ltr", from CLDR's character order."""
    return "rtl" if locale(lang).character_order == "right-to-left" else "ltr"


@functools.cache
def language_name(lang: str) -> str:
    """The language's name in itself, capitalised as a menu item: "Français", "العربية"."""
    name = locale(lang).display_name or lang
    return name[:1].upper() + name[1:]


@functools.cache
def og_locale(lang: str) -> str:
    """Open Graph's language_TERRITORY form, from CLDR's likely subtags: zh-Hant -> zh_TW."""
    loc = locale(lang)
    likely = get_global("likely_subtags")
    keys = ([f"{loc.language}_{loc.script}"] if loc.script else []) + [loc.language]
    full = loc if loc.territory else Locale.parse(next((likely[k] for k in keys if k in likely), keys[-1]))
    return f"{full.language}_{full.territory}" if full.territory else full.language


def learn(langs: tuple[str, ...]) -> None:
    """Look up the facts above for ``langs`` now: worker processes forked afterwards inherit
    the answers instead of each loading CLDR data again (and the index page needs them here)."""
    for lang in langs:
        direction(lang), language_name(lang), og_locale(lang)


def ui(lang: str, index: int) -> tuple[str, str | None]:
    """(text, lang attribute needed or None) of interface string ``index``."""
    if lang in UI:
        return UI[lang][index], None
    base = lang.split("-")[0]
    if base in UI:
        return UI[base][index], None
    return UI["en"][index], "en"


def path(lang: str, doc: str) -> str:
    """An edition's path inside the site."""
    return f"{lang}/{doc}.html"


@dataclass(frozen=True)
class Page:
    """Where an edition sits among the published ones of its document."""

    doc: str
    lang: str
    editions: tuple[str, ...]  # published languages, source first
    source_lang: str
    base_url: str
    notice: bool = False  # unreviewed translations are shown

    def url(self, lang: str) -> str:
        return self.base_url + path(lang, self.doc)


def decorate(tree: etree._ElementTree, page: Page) -> None:
    """Add the publication furniture to a translated tree, in place."""
    root = tree.getroot()
    for el in [el for el in root.iter(*GENERATED_TAGS) if _generated(el)]:
        _drop(el)
    root.set("lang", page.lang)
    root.set("dir", direction(page.lang))
    # A source may be a bare fragment (<p>…</p>): the parser then makes no <head> or <body>.
    head, body = root.find("head"), root.find("body")
    if head is None:
        head = root.makeelement("head", {})
        root.insert(0, head)
    if body is None:
        body = etree.SubElement(root, "body")
    if head.find("meta[@charset]") is None:
        _insert(head, 0, _el(head, "meta", charset="utf-8"))
    if head.find("meta[@name='viewport']") is None:
        _insert(head, 1, _el(head, "meta", name="viewport", content="width=device-width, initial-scale=1"))
    has_icon = bool(ICON_XPATH(head))
    # The rest goes after the head's last child, each on a line of its own; the last one added
    # takes over that child's tail (the head's closing layout), as _insert at the end would.
    last = head[-1]
    tail, last.tail = last.tail, "\n"
    _append(head, "link", rel="stylesheet", href="../" + STYLESHEET)
    if not has_icon:
        _append(head, "link", rel="icon", href="../" + ICON, type="image/svg+xml")
    _append(head, "link", rel="canonical", href=page.url(page.lang))
    for lang in page.editions:
        _append(head, "link", rel="alternate", hreflang=lang, href=page.url(lang))
    _append(head, "link", rel="alternate", hreflang="x-default", href=page.url(page.source_lang))
    _append(head, "meta", property="og:url", content=page.url(page.lang))
    _append(head, "meta", property="og:locale", content=og_locale(page.lang))
    for lang in page.editions:
        if lang != page.lang:
            _append(head, "meta", property="og:locale:alternate", content=og_locale(lang))
    ld = _append(head, "script", type="application/ld+json")
    ld.text = json_ld(root, page)
    ld.tail = tail
    pos = 0
    _insert(body, pos, switcher(body, page))
    if page.notice:
        text, lang = ui(page.lang, 1)
        note = _el(body, "p", {"class": "pl-notice", "role": "note", **({"lang": lang} if lang else {})})
        note.text = text
        _insert(body, pos + 1, note)


def switcher(parent: etree._Element, page: Page) -> etree._Element:
    """<nav> linking every published edition, each named in its own language."""
    label, lang = ui(page.lang, 0)
    nav = _el(parent, "nav", {"class": "pl-editions", "aria-label": label, **({"lang": lang} if lang else {})})
    ul = etree.SubElement(nav, "ul")
    for ed in page.editions:
        li = etree.SubElement(ul, "li")
        a = etree.SubElement(li, "a", href=f"../{path(ed, page.doc)}", hreflang=ed, lang=ed,
                             dir=direction(ed))
        if ed == page.lang:
            a.set("aria-current", "page")
        a.text = language_name(ed)
    return nav


def json_ld(root: etree._Element, page: Page) -> str:
    """schema.org Article (and FAQPage from ``dl.faq``) in the edition's language, script-safe."""
    url = page.url(page.lang)
    h1 = root.find(".//body//h1")
    title = root.find(".//title") if h1 is None else None
    desc = root.find(".//meta[@name='description']")
    article = {"@type": "Article", "@id": url + "#article", "url": url, "inLanguage": page.lang,
               "headline": text_of(h1) if h1 is not None else text_of(title) if title is not None else page.doc,
               "description": " ".join((desc.get("content") or "").split()) if desc is not None else ""}
    if page.lang != page.source_lang:
        article["translationOfWork"] = {"@id": page.url(page.source_lang) + "#article"}
    else:
        others = [{"@id": page.url(l) + "#article"} for l in page.editions if l != page.lang]
        if others:
            article["workTranslation"] = others
    graph = [article]
    qa = []
    for dl in root.iter("dl"):
        if " faq " not in f" {dl.get('class') or ''} ".translate(XPATH_SPACE):
            continue  # (a class list of XPath's whitespace)
        question = None
        for el in dl.iter("dt", "dd"):
            if el.tag == "dt":
                question = text_of(el)
            elif question:
                qa.append({"@type": "Question", "name": question,
                           "acceptedAnswer": {"@type": "Answer", "text": text_of(el)}})
                question = None
    if qa:
        graph.append({"@type": "FAQPage", "@id": url + "#faq", "url": url, "inLanguage": page.lang,
                      "mainEntity": qa})
    data = _json({"@context": "https://schema.org", "@graph": graph})
    # Inside <script>, "</script" or "<!--" would end or confuse the element: escape < > &.
    return "\n" + data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"


def _json(value, indent: str = "\n") -> str:
    """``json.dumps(value, ensure_ascii=False, indent=1)`` of JSON-LD's dicts, lists and strings:
    with an indent, json takes its pure-Python encoder, several times slower than this."""
    inner = indent + " "
    if isinstance(value, str):
        return encode_basestring(value)
    if isinstance(value, dict) and value:
        return "{" + inner + f",{inner}".join(f"{encode_basestring(k)}: {_json(v, inner)}"
                                             for k, v in value.items()) + indent + "}"
    if isinstance(value, list) and value:
        return "[" + inner + f",{inner}".join(_json(v, inner) for v in value) + indent + "]"
    return json.dumps(value)  # an empty dict or list, a number, true, false, null


def _generated(el: etree._Element) -> bool:
    """Whether a <link>, <meta> or <script> is one that the build generates."""
    if el.tag == "link":
        return el.get("rel") in ("canonical", "alternate", "stylesheet")
    if el.tag == "meta":
        prop = el.get("property") or ""
        return prop.startswith("og:locale") or prop == "og:url"
    return el.get("type") == "application/ld+json"


def _append(parent: etree._Element, tag: str, **attrib) -> etree._Element:
    """A new last child of ``parent``, followed by a line break."""
    el = etree.SubElement(parent, tag, attrib)
    el.tail = "\n"
    return el


def _el(parent: etree._Element, tag: str, attrib: dict | None = None, **kw) -> etree._Element:
    return parent.makeelement(tag, {**(attrib or {}), **kw})


def _insert(parent: etree._Element, pos: int, el: etree._Element) -> None:
    """Insert on a line of its own, keeping the parent's layout; position 0 is before any text."""
    if pos == 0:
        text = parent.text or ""
        el.tail = text if text.strip() else "\n"
        parent.text = "\n"
    elif pos == len(parent):
        el.tail = parent[-1].tail
        parent[-1].tail = "\n"
    else:
        el.tail = "\n"
    parent.insert(pos, el)


def _drop(el: etree._Element) -> None:
    parent = el.getparent()
    prev = el.getprevious()
    if el.tail and el.tail.strip():
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


@dataclass(frozen=True)
class Row:
    """One document in the index: its title and, per language, (percent reviewed, published)."""

    doc: str
    title: str
    cells: tuple[tuple[str, float, bool], ...]


def index_page(rows: list[Row], *, langs: tuple[str, ...], source_lang: str) -> bytes:
    """site/index.html: documents by editions, each cell linking the edition or saying why not."""
    head = "".join(f'<th scope="col" lang="{l}" dir="{direction(l)}">{escape(language_name(l))}</th>'
                   for l in langs)
    body = []
    for row in rows:
        cells = []
        for lang, pct, published in row.cells:
            shown = f"{int(pct)} %"
            if published:
                cells.append(f'<td><a href="{path(lang, row.doc)}" hreflang="{lang}">{shown}</a></td>')
            else:
                cells.append(f'<td class="pl-missing">{shown}<br><small>not published</small></td>')
        body.append(f'<tr><th scope="row"><a href="{path(source_lang, row.doc)}" lang="{source_lang}">'
                    f'{escape(row.title)}</a><br><small>{escape(row.doc)}</small></th>{"".join(cells)}</tr>')
    html = f"""<!DOCTYPE html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Editions</title>
<link rel="stylesheet" href="{STYLESHEET}">
<link rel="icon" href="{ICON}" type="image/svg+xml">
</head>
<body class="pl-index">
<main>
<h1>Editions</h1>
<p>Each cell gives the share of reviewed segments; editions below the threshold are not published.</p>
<table>
<thead><tr><th scope="col">Document</th>{head}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody>
</table>
</main>
</body>
</html>
"""
    return html.encode("utf-8")


def sitemap(entries: list[tuple[str, tuple[str, ...]]], *, base_url: str, source_lang: str) -> bytes:
    """sitemap.xml: one <url> per edition with every alternate (Google's hreflang form)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
           ' xmlns:xhtml="http://www.w3.org/1999/xhtml">']
    for doc, editions in entries:
        links = [(l, base_url + path(l, doc)) for l in editions]
        links.append(("x-default", base_url + path(source_lang, doc)))
        # The same alternates under every edition: written once.
        alternates = [f'<xhtml:link rel="alternate" hreflang="{l}" href={quoteattr(u)}/>' for l, u in links]
        for lang in editions:
            out.append(f"<url><loc>{escape(base_url + path(lang, doc))}</loc>")
            out.extend(alternates)
            out.append("</url>")
    out.append("</urlset>")
    return ("\n".join(out) + "\n").encode("utf-8")


__all__ = ["Page", "Row", "decorate", "direction", "language_name", "og_locale", "index_page",
           "sitemap", "path", "STYLESHEET", "ICON"]
