"""One edition of one document: the parsed source tree with its units translated.

The rebuild only ever copies the source's own elements: a translation contributes text (which
the serializer escapes) and the order of numbered placeholders, never tags or attributes. Units
without any translation are not rebuilt at all, so their bytes stay exactly as parsed.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

import lxml.etree as etree

from . import document
from .placeholders import plain_text, problems, tokenize
from .sentences import joiner, strip_tokens

# Elements whose content is text only (RCDATA or text-only content model): an untranslated
# sentence inside them cannot be wrapped in a <span lang>.
TEXT_ONLY_TAGS = frozenset("title option textarea".split())
# Elements that never carry the fallback lang marker themselves (it would mislabel the page).
NO_MARKER_TAGS = frozenset("html head body".split())
WHITESPACE = " \t\n\r\f"
# Characters that XML/HTML serialization refuses or that HTML5 calls parse errors
# (C0/C1 controls other than tab, LF, FF, CR; lone surrogates; noncharacters).
# What lxml.html.tostring removes from a page: a Content-Type declaration (the source's, or one
# libxml2 adds), which could name a charset other than the UTF-8 written.
META_CONTENT_TYPE_RE = re.compile(rb'<meta http-equiv="Content-Type"[^>]*>')
BAD_CHARS_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


@dataclass(frozen=True)
class Translation:
    """A usable translation of one msgid; ``reviewed`` is False for machine/fuzzy ones."""

    msgstr: str
    reviewed: bool = True


def translation_problems(msgid: str, msgstr: str) -> list[str]:
    """Why ``msgstr`` cannot be rendered in place of ``msgid`` (empty when it can)."""
    found = problems(msgid, msgstr)
    if BAD_CHARS_RE.search(msgstr):
        found.append("control or non-character code point in the translation")
    return found


def translate(tree: etree._ElementTree, translations: dict[str, Translation], *, lang: str,
              source_lang: str, rtl: bool = False, source_rtl: bool = False,
              units: list[document.Unit] | None = None) -> dict[str, int]:
    """Translate ``tree`` in place for ``lang``; counts of "translated", "unreviewed", "fallback".

    ``translations`` must hold only renderable ones (see :func:`translation_problems`).
    Untranslated sentences keep the source text inside an element marked ``lang=source_lang``.
    ``units`` are ``document.units(tree)`` when the caller already has them.
    """
    marker = {"lang": source_lang}
    if rtl != source_rtl:
        marker["dir"] = "rtl" if source_rtl else "ltr"
    glue = joiner(lang)
    retitled: set[int] = set()  # elements with a translated attribute: no element-wide marker
    translated = unreviewed = fallback = 0
    for unit in document.units(tree) if units is None else units:
        found = [translations.get(s.msgid) for s in unit.sentences]
        missing = found.count(None)
        fallback += missing
        if missing < len(found):
            for t in found:
                if t is not None:
                    translated += 1
                    unreviewed += not t.reviewed
        if unit.attr is not None:
            if missing < len(found):
                retitled.add(id(unit.element))
                unit.element.set(unit.attr, _attribute(unit, found, glue))
        elif missing == len(found):
            _mark_untouched(unit, marker, retitled)
        else:
            _rebuild(unit, found, glue, marker)
    return {"translated": translated, "unreviewed": unreviewed, "fallback": fallback}


def _attribute(unit: document.Unit, found: list, glue: str) -> str:
    texts = [plain_text(t.msgstr if t else s.msgid).strip() for s, t in zip(unit.sentences, found)]
    return glue.join(texts)


def _slot(unit: document.Unit) -> str | None:
    return unit.element.text if unit.prev is None else unit.prev.tail


def _set_slot(unit: document.Unit, text: str | None) -> None:
    if unit.prev is None:
        unit.element.text = text
    else:
        unit.prev.tail = text


def _position(unit: document.Unit) -> int:
    return 0 if unit.prev is None else unit.element.index(unit.prev) + 1


def _mark_untouched(unit: document.Unit, marker: dict, retitled: set) -> None:
    """Label an untranslated run as source language without touching its nodes."""
    el = unit.element
    tag = el.tag.lower()
    whole = unit.prev is None and len(unit.children) == len(el)
    if whole and tag not in NO_MARKER_TAGS and (id(el) not in retitled or tag in TEXT_ONLY_TAGS):
        for k, v in marker.items():
            el.set(k, v)
        return
    if tag in TEXT_ONLY_TAGS:
        return
    # Wrap the run (its nodes moved, not rebuilt) in a span, leaving outer whitespace outside.
    slot = _slot(unit) or ""
    core = slot.lstrip(WHITESPACE)
    lead = slot[: len(slot) - len(core)]
    span = el.makeelement("span", dict(marker))
    span.text = core or None
    pos = _position(unit)
    for child in unit.children:
        span.append(child)
    last = span[-1] if len(span) else span
    text = (last.tail if last is not span else last.text) or ""
    body = text.rstrip(WHITESPACE)
    if last is span:
        span.text = body or None
    else:
        last.tail = body or None
    span.tail = text[len(body):] or None
    _set_slot(unit, lead or None)
    el.insert(pos, span)


def _rebuild(unit: document.Unit, found: list, glue: str, marker: dict) -> None:
    """Replace a run by its sentences: translations, or source sentences marked as such."""
    el = unit.element
    text_only = el.tag.lower() in TEXT_ONLY_TAGS
    slot = _slot(unit) or ""
    last = unit.children[-1].tail if unit.children else slot
    lead = slot[: len(slot) - len(slot.lstrip(WHITESPACE))]
    trail = (last or "")[len((last or "").rstrip(WHITESPACE)):]
    holder = el.makeelement("div", {})
    out = _Text(holder)
    out.add(lead)
    for i, (sentence, t) in enumerate(zip(unit.sentences, found)):
        if i:
            out.add(glue)
        if t is not None:
            _, tokens, _ = strip_tokens(tokenize(t.msgstr))
            _render(out, holder, tokens, sentence.elements)
        elif text_only:
            out.add(plain_text(sentence.msgid))
        else:
            span = etree.SubElement(holder, "span", dict(marker))
            out.into(span)
            _render(out, span, tokenize(sentence.msgid), sentence.elements)
            out.after(span)
    out.add(trail)
    out.flush()
    pos = _position(unit)
    for child in unit.children:
        el.remove(child)
    _set_slot(unit, holder.text)
    for offset, child in enumerate(list(holder)):
        el.insert(pos + offset, child)


class _Text:
    """Where the text of a rebuilt run goes next: the text of the element being filled, or the
    tail of the child last added to it. The pieces of each are joined and set once (lxml
    converts a whole string on every read and write of ``.text`` and ``.tail``)."""

    __slots__ = ("el", "tail", "parts")

    def __init__(self, el: etree._Element):
        self.el, self.tail, self.parts = el, False, []

    def add(self, text: str) -> None:
        if text:
            self.parts.append(text)

    def into(self, el: etree._Element) -> None:
        """Text goes into ``el``, a new element (before any child of it)."""
        self.flush()
        self.el, self.tail = el, False

    def after(self, el: etree._Element) -> None:
        """Text goes after ``el``, the last child of its parent."""
        self.flush()
        self.el, self.tail = el, True

    def flush(self) -> None:
        if self.parts:
            text = "".join(self.parts)
            self.parts = []
            if self.tail:
                self.el.tail = (self.el.tail or "") + text
            else:
                self.el.text = (self.el.text or "") + text


def _render(out: _Text, parent: etree._Element, tokens: list, elements: dict[int, etree._Element]) -> None:
    """Text tokens become text; placeholders become copies of the source elements they stand
    for. ``out``: where text goes, now the text of ``parent``."""
    stack = [parent]
    for tok in tokens:
        if isinstance(tok, str):
            out.add(tok)
        elif tok.kind == "open":
            src = elements[tok.n]
            new = src.makeelement(src.tag, dict(src.attrib))
            stack[-1].append(new)
            stack.append(new)
            out.into(new)
        elif tok.kind == "close":
            out.after(stack.pop())
        else:
            new = copy.deepcopy(elements[tok.n])
            new.tail = None
            stack[-1].append(new)
            out.after(new)


def serialize(tree: etree._ElementTree) -> bytes:
    """The page as UTF-8 HTML5 with a doctype; same tree, same bytes."""
    # Serialized to UTF-8 bytes directly: text (lxml makes it from those very bytes) would be
    # decoded and encoded again.
    data = etree.tostring(tree, doctype="<!DOCTYPE html>", encoding="utf-8", method="html")
    return META_CONTENT_TYPE_RE.sub(b"", data).rstrip(b"\n") + b"\n"


def text_of(el: etree._Element) -> str:
    """An element's text with whitespace collapsed, as a reader sees it."""
    return document.WS_RE.sub(" ", document.text_content(el)).strip()
