"""Source HTML as translation units: parsing with line-exact errors, and the walk that finds
the text runs and attributes to translate. Extraction and build share this walk, so both
always agree on what a segment is."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.etree as etree
import lxml.html

from .errors import SourceError
from .placeholders import Tag, renumber
from .sentences import split_tokens, strip_tokens

# Elements that flow inside a sentence: they become placeholders, never units of their own.
INLINE_TAGS = frozenset(
    "a abbr b bdi bdo br cite code data del dfn em font i img ins kbd mark q ruby rb rp rt s "
    "samp small span strong sub sup time tt u var wbr".split()
)
# Inline elements without content: a void placeholder <N/>.
VOID_TAGS = frozenset("br img wbr".split())
# Elements whose text is never translated (code blocks, scripts, embedded vocabularies).
SKIP_TAGS = frozenset("script style template noscript pre svg math textarea iframe object".split())
# Attributes translated on any element, and those translated only on some.
TRANSLATABLE_ATTRS = {"title": None, "aria-label": None, "alt": {"img", "area", "input"},
                      "placeholder": {"input", "textarea"}}
# <meta name|property=...> whose content is translated.
TRANSLATABLE_META = frozenset(
    "description og:title og:description og:image:alt twitter:title twitter:description".split()
)
HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
NOTE_ATTRS = ("data-l10n-note", "its-loc-note")
# libxml2 messages that mean the markup is broken rather than merely unusual.
FATAL_ERRORS = ("ERR_TAG_NAME_MISMATCH", "ERR_NAME_REQUIRED", "ERR_LT_IN_ATTRIBUTE")
WS_RE = re.compile(r"[ \t\n\r\f]+")
SWALLOWED_RE = re.compile(r"</(?:body|html)\s*>", re.I)
MAX_DEPTH = 256  # deeper markup is refused: no real page nests this far
# The elements one level deeper than that, in document order (evaluated in C: a Python walk
# over every element cost more than parsing the page).
TOO_DEEP = etree.XPath("/*" * (MAX_DEPTH + 1))


@dataclass
class Sentence:
    """One sentence of a unit: its msgid and the source elements behind its placeholders."""

    msgid: str
    elements: dict[int, etree._Element]
    tokens: list  # the source tokens (text and Tag) with unit-level numbers
    translatable: bool = True  # False: no letters at all (e.g. "12"); not extracted, kept as is


@dataclass
class Unit:
    """A run of text inside an element, or one translatable attribute."""

    element: etree._Element  # the parent of the run, or the attribute's owner
    attr: str | None  # attribute name, or None for a text run
    prev: etree._Element | None  # block child before the run (None: run starts at .text)
    children: list  # inline children forming the run
    line: int
    context: str
    notes: tuple[str, ...]
    lead: str = ""
    trail: str = ""
    sentences: list[Sentence] = field(default_factory=list)
    separators: list[str] = field(default_factory=list)  # whitespace after each sentence


def parse(data: bytes, where: str) -> etree._ElementTree:
    """Parse UTF-8 HTML bytes; malformed or non-UTF-8 input raises SourceError naming the line."""
    if not data.strip():
        raise SourceError(where, "empty file")
    if b"\x00" in data[:8192]:
        raise SourceError(where, "binary file, not HTML")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise SourceError(f"{where}:{line}", "not valid UTF-8 (save the file as UTF-8)") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "<" not in text:
        raise SourceError(where, "no HTML markup found")
    head = text[:1024].lower()
    if (head.lstrip().startswith("<!doctype") or "<html" in head) and "</html>" not in text[-4096:].lower():
        line = text.count("\n") + 1
        raise SourceError(f"{where}:{line}", "truncated HTML: no closing </html>")
    parser = lxml.html.HTMLParser(recover=True, remove_comments=False, huge_tree=True)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as e:
        raise SourceError(where, f"cannot parse HTML: {e}") from None
    for err in parser.error_log:
        if err.type_name in FATAL_ERRORS:
            raise SourceError(f"{where}:{err.line}", f"malformed HTML: {err.message}")
    too_deep = TOO_DEEP(root)
    if too_deep:
        raise SourceError(f"{where}:{too_deep[0].sourceline}", f"markup nested deeper than {MAX_DEPTH} levels")
    # An unclosed "<!--" swallows the rest of the file without any parser error.
    start = text.rfind("<!--")
    if start >= 0 and text.find("-->", start + 4) < 0 and any(
            SWALLOWED_RE.search(c.text or "") for c in root.iter(etree.Comment)):
        raise SourceError(f"{where}:{text.count(chr(10), 0, start) + 1}",
                          "malformed HTML: comment never closed (no -->)")
    return root.getroottree()


def translate_no(el: etree._Element) -> bool:
    """HTML5/ITS ``translate="no"`` or the widespread ``class="notranslate"``."""
    v = (el.get("translate") or el.get("its-translate") or "").strip().lower()
    if v == "no":
        return True
    return "notranslate" in (el.get("class") or "").split()


def _tag(el) -> str | None:
    return el.tag.lower() if isinstance(el.tag, str) else None


def _is_inline(el, cache: dict) -> bool:
    """Inline element (or comment) whose whole subtree is inline."""
    # Keyed by id() of the proxy, which lxml may free and reuse for another element: the
    # cache holds the proxy too, so an id stays unique while the cache lives.
    key = id(el)
    if key in cache:
        return cache[key][1]
    tag = _tag(el)
    if tag is None:
        ok = True
    elif tag not in INLINE_TAGS:
        ok = False
    else:
        ok = all(_is_inline(c, cache) for c in el)
    cache[key] = (el, ok)
    return ok


def units(tree: etree._ElementTree, *, with_attrs: bool = True) -> list[Unit]:
    """All translation units of a document, in document order."""
    root = tree.getroot()
    out: list[Unit] = []
    state = {"heading": "", "cache": {}}
    _walk(root, out, state, (), 0, with_attrs)
    return out


def _notes(el) -> tuple[str, ...]:
    return tuple(WS_RE.sub(" ", el.get(a)).strip() for a in NOTE_ATTRS if el.get(a))


def _walk(el, out: list[Unit], state: dict, notes: tuple, depth: int, with_attrs: bool) -> None:
    tag = _tag(el)
    if tag is None or tag in SKIP_TAGS or translate_no(el):
        return
    notes = notes + _notes(el)
    if with_attrs:
        _attr_units(el, tag, out, state, notes)
    cache = state["cache"]
    prev = None
    run: list = []
    for child in list(el) + [None]:
        if child is not None and _is_inline(child, cache):
            run.append(child)
            if with_attrs:
                _inline_attr_units(child, out, state, notes)
            continue
        _run_unit(el, tag, prev, run, out, state, notes)
        if child is None:
            break
        _walk(child, out, state, notes, depth + 1, with_attrs)
        prev, run = child, []
    if tag in HEADINGS:
        state["heading"] = WS_RE.sub(" ", el.text_content()).strip()


def _inline_attr_units(el, out, state, notes) -> None:
    """Translatable attributes inside inline markup (img alt, a title …)."""
    if _tag(el) is None or translate_no(el):
        return
    notes = notes + _notes(el)
    _attr_units(el, _tag(el), out, state, notes)
    for c in el:
        _inline_attr_units(c, out, state, notes)


def _attr_units(el, tag, out, state, notes) -> None:
    names = []
    if tag == "meta":
        key = (el.get("name") or el.get("property") or "").lower()
        if key in TRANSLATABLE_META and el.get("content", "").strip():
            names.append("content")
    for attr, only in TRANSLATABLE_ATTRS.items():
        if (only is None or tag in only) and (el.get(attr) or "").strip():
            names.append(attr)
    for attr in names:
        what = f'<meta {el.get("name") and "name" or "property"}="{el.get("name") or el.get("property")}">' if tag == "meta" else f"<{tag} {attr}>"
        u = Unit(el, attr, None, [], el.sourceline or 1, _context(what, state), notes)
        _fill(u, [el.get(attr)])
        if any(s.translatable for s in u.sentences):
            out.append(u)


def _run_unit(el, tag, prev, run, out, state, notes) -> None:
    lead_text = el.text if prev is None else prev.tail
    tokens: list = []
    elements: dict[int, etree._Element] = {}
    if lead_text:
        tokens.append(lead_text)
    for child in run:
        _inline_tokens(child, tokens, elements)
    if not any(isinstance(t, str) and t.strip() for t in tokens):
        return
    line = (el.sourceline if prev is None else (run[0] if run else prev).sourceline) or 1
    u = Unit(el, None, prev, run, line, _context(f"<{tag}>", state), notes)
    _fill(u, tokens, elements)
    if u.sentences:
        out.append(u)


def _inline_tokens(el, tokens: list, elements: dict) -> None:
    n = len(elements) + 1
    elements[n] = el
    tag = _tag(el)
    if tag is None or tag in VOID_TAGS or translate_no(el):
        tokens.append(Tag("void", n))
    else:
        tokens.append(Tag("open", n))
        if el.text:
            tokens.append(el.text)
        for c in el:
            _inline_tokens(c, tokens, elements)
        tokens.append(Tag("close", n))
    if el.tail:
        tokens.append(el.tail)


def _context(what: str, state: dict) -> str:
    return f'{what} in "{state["heading"]}"' if state["heading"] else what


def _fill(u: Unit, tokens: list, elements: dict | None = None) -> None:
    """Split the unit's tokens into sentences with msgids numbered from 1 in each sentence."""
    tokens = [WS_RE.sub(" ", t) if isinstance(t, str) else t for t in tokens]
    # Keep the original whitespace out of msgids but remember only that it exists.
    lead, core, trail = strip_tokens(tokens)
    u.lead, u.trail = lead, trail
    if not core:
        return
    for piece in split_tokens(core):
        _, body, sep = strip_tokens(piece)
        if not body:
            if u.separators:
                u.separators[-1] += sep
            continue
        msgid, back = renumber(body)
        els = {new: elements[old] for new, old in back.items()} if elements else {}
        # Numbers, punctuation or lone markup: nothing for a translator to do; kept as is.
        wordy = any(isinstance(t, str) and any(map(str.isalpha, t)) for t in body)
        u.sentences.append(Sentence(msgid, els, body, wordy))
        u.separators.append(sep)
    if u.separators:
        u.separators[-1] = ""


def legend(s: Sentence) -> tuple[str, ...]:
    """Translator-facing description of each placeholder, e.g. ``<1> = <strong>``."""
    out = []
    for n, el in sorted(s.elements.items()):
        tag = _tag(el)
        if tag is None:
            out.append(f"<{n}/> = comment")
        elif tag in VOID_TAGS or translate_no(el):
            kept = WS_RE.sub(" ", el.text_content()).strip()[:40] if translate_no(el) else ""
            out.append(f"<{n}/> = <{tag}>" + (f' "{kept}" (not translated)' if translate_no(el) else ""))
        else:
            out.append(f"<{n}> = <{tag}>")
    return tuple(out)
