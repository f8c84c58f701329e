"""Source HTML as translation units: parsing with line-exact errors, and the walk that finds
the text runs and attributes to translate. Extraction and build share this walk, so both
always agree on what a segment is."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import lxml.etree as etree

from .errors import SourceError
from .placeholders import Tag, escape
from .sentences import STRIPPED, TAG_STAND_IN, split_marked

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
# The attributes that can say translate="no".
NO_TRANSLATE_ATTRS = frozenset(("translate", "its-translate", "class"))
# Every attribute the walk reads: an element without any of these (most, or <a href>) is
# neither translate="no" nor noted, and has nothing to translate in its attributes.
WALK_ATTRS = NO_TRANSLATE_ATTRS | {"content", *NOTE_ATTRS, *TRANSLATABLE_ATTRS}
# libxml2 messages that mean the markup is broken rather than merely unusual.
FATAL_ERRORS = ("ERR_TAG_NAME_MISMATCH", "ERR_NAME_REQUIRED", "ERR_LT_IN_ATTRIBUTE")
WS_RE = re.compile(r"[ \t\n\r\f]+")
SWALLOWED_RE = re.compile(r"</(?:body|html)\s*>", re.I)
MAX_DEPTH = 256  # deeper markup is refused: no real page nests this far
# The elements one level deeper than that, in document order (evaluated in C: a Python walk
# over every element cost more than parsing the page).
TOO_DEEP = etree.XPath("/*" * (MAX_DEPTH + 1))
# An element's text, descendants included (what lxml.html calls text_content()).
text_content = etree.XPath("string()", smart_strings=False)


@dataclass
class Sentence:
    """One sentence of a unit: its msgid and the source elements behind its placeholders."""

    msgid: str
    elements: dict[int, etree._Element]
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
    # Plain lxml elements, not lxml.html's: those find their Python class through a lookup
    # written in Python, called for every element the walk touches.
    parser = etree.HTMLParser(recover=True, remove_comments=False, huge_tree=True)
    try:
        root = etree.fromstring(text, parser)
    except (etree.ParserError, ValueError) as e:
        raise SourceError(where, f"cannot parse HTML: {e}") from None
    if root is None:
        raise SourceError(where, "cannot parse HTML: Document is empty")
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
    if NO_TRANSLATE_ATTRS.isdisjoint(el.keys()):  # most elements: one call, no look-ups
        return False
    v = (el.get("translate") or el.get("its-translate") or "").strip().lower()
    if v == "no":
        return True
    return "notranslate" in (el.get("class") or "").split()


def _tag_name(el) -> str | None:
    """The lower-case tag name; None for a comment or processing instruction."""
    tag = el.tag
    return tag.lower() if isinstance(tag, str) else None


# Tags are immutable values, so runs share them rather than build each anew (a frozen
# dataclass is slow to create).
_tag = functools.lru_cache(maxsize=1024)(Tag)


def units(tree: etree._ElementTree, *, with_attrs: bool = True) -> list[Unit]:
    """All translation units of a document, in document order."""
    walk = _Walk(with_attrs)
    root = tree.getroot()
    name = _tag_name(root)
    if name is not None:
        walk.element(root, name, ())
    return walk.out


def _notes(el) -> tuple[str, ...]:
    return tuple(WS_RE.sub(" ", el.get(a)).strip() for a in NOTE_ATTRS if el.get(a))


class _Run:
    """The text run being collected: its text with TAG_STAND_IN for each placeholder tag (lxml
    text never holds that character), the tags in order, and the elements behind them."""

    __slots__ = ("children", "parts", "tags", "elements")

    def __init__(self, text: str | None):
        self.children: list[etree._Element] = []  # inline children forming the run
        self.parts: list[str] = [text] if text else []
        self.tags: list[Tag] = []
        self.elements: dict[int, etree._Element] = {}

    def tag(self, kind: str, n: int) -> None:
        self.parts.append(TAG_STAND_IN)
        self.tags.append(_tag(kind, n))


class _Walk:
    """One walk over a document: the units found so far and the heading they sit under.

    Most elements carry none of the attributes it reads (WALK_ATTRS), which ``el.keys()`` (one
    cheap call) tells, so translate="no", notes and translatable attributes need no look-ups.
    """

    def __init__(self, with_attrs: bool):
        self.with_attrs = with_attrs
        self.out: list[Unit] = []
        self.heading = ""
        # Inline-ness of elements with children, keyed by id() of the proxy, which lxml may free
        # and reuse for another element: the cache holds the proxy too, so an id stays unique
        # while the cache lives.
        self.inline_cache: dict[int, tuple[etree._Element, bool]] = {}

    def element(self, el, tag: str, notes: tuple) -> None:
        """The units of a block element (its text runs and attributes) and of its descendants;
        ``tag`` is its name (as _tag_name gives it: the walk reads each name once)."""
        if tag in SKIP_TAGS:
            return
        if not WALK_ATTRS.isdisjoint(el.keys()):
            if translate_no(el):
                return
            notes = notes + _notes(el)
            if self.with_attrs:
                self.attributes(el, tag, notes)
        # A run is the text before the first block child (or after one) and the inline
        # children that follow it. Most runs are text alone, or whitespace between blocks.
        prev = None
        lead = el.text
        run = None  # the run, once it has an inline child
        for child in el:
            name = _tag_name(child)
            if self.is_inline(child, name):
                if run is None:
                    run = _Run(lead)
                run.children.append(child)
                self.inline(child, name, run, notes)
                continue
            if run is not None or lead and not lead.isspace():
                self.run_unit(el, tag, prev, lead, run, notes)
            self.element(child, name, notes)
            prev, lead, run = child, child.tail, None
        self.run_unit(el, tag, prev, lead, run, notes)
        if tag in HEADINGS:
            self.heading = WS_RE.sub(" ", text_content(el)).strip()

    def is_inline(self, el, name: str | None) -> bool:
        """Inline element (or comment) whose whole subtree is inline; ``name`` is its tag name."""
        if name is None:
            return True
        if name not in INLINE_TAGS:
            return False
        if not len(el):
            return True
        key = id(el)
        if key not in self.inline_cache:
            self.inline_cache[key] = (el, all(self.is_inline(c, _tag_name(c)) for c in el))
        return self.inline_cache[key][1]

    def inline(self, el, tag: str | None, run: _Run, notes: tuple) -> None:
        """Add inline markup to the run as placeholders (numbered in document order) and, on the
        way, the units of its translatable attributes (img alt, a title …)."""
        n = len(run.elements) + 1
        run.elements[n] = el
        if tag is None:  # a comment or processing instruction
            run.tag("void", n)
        else:
            no = False
            if not WALK_ATTRS.isdisjoint(el.keys()):
                no = translate_no(el)
                if not no:
                    notes = notes + _notes(el)
                    if self.with_attrs:
                        self.attributes(el, tag, notes)
            if no or tag in VOID_TAGS:
                run.tag("void", n)
                if not no and self.with_attrs:
                    for c in el:
                        self.inline_attributes(c, notes)
            else:
                run.tag("open", n)
                text = el.text
                if text:
                    run.parts.append(text)
                if len(el):
                    for c in el:
                        self.inline(c, _tag_name(c), run, notes)
                run.tag("close", n)
        tail = el.tail
        if tail:
            run.parts.append(tail)

    def inline_attributes(self, el, notes: tuple) -> None:
        """Translatable attributes inside inline markup that gives no text (e.g. in a <br>)."""
        if not isinstance(el.tag, str) or translate_no(el):
            return
        notes = notes + _notes(el)
        self.attributes(el, el.tag.lower(), notes)
        for c in el:
            self.inline_attributes(c, notes)

    def attributes(self, el, tag: str, notes: tuple) -> None:
        """The units of an element's translatable attributes."""
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
            u = Unit(el, attr, None, [], el.sourceline or 1, self.context(what), notes)
            _fill(u, el.get(attr), [])
            if any(s.translatable for s in u.sentences):
                self.out.append(u)

    def run_unit(self, el, tag: str, prev, lead: str | None, run: _Run | None, notes: tuple) -> None:
        """The unit of one run (``lead`` text, then ``run``), unless it holds only whitespace."""
        if run is None:
            if not lead or lead.isspace():
                return
            text, tags, children, elements = lead, [], [], {}
        else:
            text, tags, children, elements = "".join(run.parts), run.tags, run.children, run.elements
            if not text.replace(TAG_STAND_IN, "").strip():
                return
        line = (el.sourceline if prev is None else (children[0] if children else prev).sourceline) or 1
        u = Unit(el, None, prev, children, line, self.context(f"<{tag}>"), notes)
        _fill(u, text, tags, elements)
        if u.sentences:
            self.out.append(u)

    def context(self, what: str) -> str:
        return f'{what} in "{self.heading}"' if self.heading else what


def _fill(u: Unit, text: str, tags: list[Tag], elements: dict | None = None) -> None:
    """Split the unit's run into sentences with msgids numbered from 1 in each sentence.

    ``text`` is the run with TAG_STAND_IN for each of ``tags``; the unit-level numbers of the
    tags point into ``elements``.
    """
    text = _collapse(text)
    # Keep the original whitespace out of msgids but remember only that it exists.
    core = text.lstrip(STRIPPED)
    u.lead = text[: len(text) - len(core)]
    if not core:
        return
    body = core.rstrip(STRIPPED)
    u.trail = core[len(body):]
    used = 0  # tags in the pieces so far
    # A piece never starts with whitespace: the split cuts after it, and `body` has none first.
    for piece in split_marked(body, tags):
        sentence = piece.rstrip(STRIPPED)
        count = piece.count(TAG_STAND_IN)
        if not count:  # plain text (most sentences): no placeholders to number
            msgid, els = escape(sentence), {}
        else:
            msgid, back = _numbered(sentence, tags[used : used + count])
            els = {new: elements[old] for new, old in back.items()} if elements else {}
            used += count
        # Numbers, punctuation or lone markup: nothing for a translator to do; kept as is.
        u.sentences.append(Sentence(msgid, els, any(map(str.isalpha, sentence))))
        u.separators.append(piece[len(sentence):])
    u.separators[-1] = ""


def _collapse(text: str) -> str:
    """Whitespace runs as one space (WS_RE), without the regex for text that has none to
    collapse: plain ``in`` tests are several times faster than a regex scan."""
    if "  " in text or "\n" in text or "\t" in text or "\r" in text or "\f" in text:
        return WS_RE.sub(" ", text)
    return text


def _numbered(text: str, tags: list[Tag]) -> tuple[str, dict[int, int]]:
    """(msgid, new -> old number) of a sentence given as ``text`` with TAG_STAND_IN for each
    of ``tags`` (unit-level numbers): ``placeholders.renumber`` of its token list (texts and
    tags), in one pass over the texts between the tags."""
    texts = text.split(TAG_STAND_IN)
    last = len(texts) - 1
    out: list[str] = []
    numbers: dict[int, int] = {}  # old -> new
    for i, t in enumerate(texts):
        if i:
            tag = tags[i - 1]
            n = numbers.setdefault(tag.n, len(numbers) + 1)
            kind = tag.kind
            out.append(f"<{n}>" if kind == "open" else f"</{n}>" if kind == "close" else f"<{n}/>")
        if t:
            if "\\" in t or "<" in t:
                t = escape(t)
                if i < last and t.endswith("\\"):  # before a tag: see placeholders.join
                    t += "\\"
            out.append(t)
    return "".join(out), {new: old for old, new in numbers.items()}


def legend(s: Sentence) -> tuple[str, ...]:
    """Translator-facing description of each placeholder, e.g. ``<1> = <strong>``."""
    if not s.elements:
        return ()
    out = []
    for n, el in sorted(s.elements.items()):
        tag = _tag_name(el)
        if tag is None:
            out.append(f"<{n}/> = comment")
        elif translate_no(el):
            kept = WS_RE.sub(" ", text_content(el)).strip()[:40]
            out.append(f'<{n}/> = <{tag}> "{kept}" (not translated)')
        elif tag in VOID_TAGS:
            out.append(f"<{n}/> = <{tag}>")
        else:
            out.append(f"<{n}> = <{tag}>")
    return tuple(out)
