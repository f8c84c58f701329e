"""Sentence splitting that is losslessly reversible: joining the pieces gives the input back.

Written by hand because the libraries that split sentences (stanza, spaCy, pysbd) need models,
normalise whitespace or do not know inline placeholders; ours must keep every character.
"""

from __future__ import annotations

import re

from .placeholders import Tag, merge_texts

# Chinese/Japanese sentence ends: a sentence ends after any run of these.
CJK_TERMINATORS = frozenset("。！？；…⋯｡")
# Latin sentence ends: only when followed by whitespace and something that starts a sentence.
LATIN_TERMINATORS = frozenset(".!?")
OPENERS = dict(zip("“‘「『（《【〔〖〈([{", "”’」』）》】〕〗〉)]}"))
CLOSERS = frozenset(OPENERS.values()) | frozenset("\"'»")
WHITESPACE = frozenset(" \t\n\r\f\u00a0\u3000")
# Base languages written in CJK scripts: sentences follow each other without a space.
CJK_LANGS = frozenset({"zh", "ja", "ko", "yue", "lzh"})
# Words after which a period does not end a sentence.
ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr vs etc e.g i.e cf no nos fig figs approx dept est inc ltd co corp "
    "jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k a.m p.m".split()
)
# The characters the sentence scan looks at; all others it steps over.
SPECIAL = frozenset(OPENERS) | CLOSERS | CJK_TERMINATORS | LATIN_TERMINATORS
_SPECIAL_RE = re.compile("[" + re.escape("".join(sorted(SPECIAL))) + "]")
_TERMINATOR_RE = re.compile("[" + re.escape("".join(sorted(CJK_TERMINATORS | LATIN_TERMINATORS))) + "]")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def is_cjk(ch: str) -> bool:
    """True for Han, kana, hangul and CJK punctuation."""
    o = ord(ch)
    return (
        0x3000 <= o <= 0x30FF
        or 0x3400 <= o <= 0x4DBF
        or 0x4E00 <= o <= 0x9FFF
        or 0xAC00 <= o <= 0xD7AF
        or 0xF900 <= o <= 0xFAFF
        or 0xFF00 <= o <= 0xFFEF
        or 0x20000 <= o <= 0x2FFFF
    )


def split_tokens(tokens: list[str | Tag]) -> list[list[str | Tag]]:
    """Split a run of text and placeholder tags into sentences.

    Never splits inside brackets, quotes or a paired placeholder; closing quotes, brackets and
    placeholders after a sentence end stay with that sentence, and so does the whitespace after
    it. Concatenating the result gives ``tokens`` back (text tokens may be cut in two).
    """
    # Adjacent texts as one token, so that slicing below never glues strings together piecemeal.
    tokens = merge_texts(tokens)
    if not any(isinstance(t, str) and _TERMINATOR_RE.search(t) for t in tokens):
        # No sentence end anywhere: one piece (what the scan below finds, without the scan).
        piece = [t for t in tokens if not isinstance(t, str) or t]
        return [piece] if piece else [[]]
    items: list[str | Tag] = []
    # Positions of the items that matter (tags and the characters in SPECIAL): every other
    # character only moves the scan on, so the scan jumps from one of these to the next.
    marks: list[int] = []
    for t in tokens:
        if isinstance(t, str):
            base = len(items)
            marks.extend(base + m.start() for m in _SPECIAL_RE.finditer(t))
            items.extend(t)
        else:
            marks.append(len(items))
            items.append(t)
    n = len(items)
    cuts: list[int] = []
    depth_tag = depth_br = 0
    i = 0
    m = 0
    while True:
        while m < len(marks) and marks[m] < i:
            m += 1
        if m == len(marks):
            break
        i = marks[m]
        it = items[i]
        if isinstance(it, Tag):
            if it.kind == "open":
                depth_tag += 1
            elif it.kind == "close":
                depth_tag = max(0, depth_tag - 1)
            i += 1
            continue
        if it in OPENERS:
            depth_br += 1
        elif it in CLOSERS and it not in "\"'":
            if not (it == "’" and i and isinstance(items[i - 1], str) and items[i - 1].isalpha()
                    and not is_cjk(items[i - 1])):
                depth_br = max(0, depth_br - 1)
        if it not in CJK_TERMINATORS and it not in LATIN_TERMINATORS:
            i += 1
            continue
        latin = it in LATIN_TERMINATORS
        start = i
        j = i + 1
        while j < n and isinstance(items[j], str) and (
            items[j] in CJK_TERMINATORS or items[j] in LATIN_TERMINATORS
        ):
            latin = latin and items[j] in LATIN_TERMINATORS
            j += 1
        d_tag, d_br = depth_tag, depth_br
        while j < n:
            x = items[j]
            if isinstance(x, Tag) and x.kind == "close" and d_tag > 0:
                d_tag -= 1
            elif isinstance(x, str) and x in CLOSERS:
                if x not in "\"'":
                    d_br = max(0, d_br - 1)
            else:
                break
            j += 1
        k = j
        while k < n and isinstance(items[k], str) and items[k] in WHITESPACE:
            k += 1
        depth_tag, depth_br = d_tag, d_br
        i = j
        if d_tag or d_br or k >= n:
            continue
        if latin:
            nxt = items[k]
            if isinstance(nxt, str):
                if k == j and not (it in "!?" and is_cjk(nxt)):
                    continue
                if nxt.isalpha() and nxt.islower():
                    continue
            elif k == j:
                continue
            if items[start] == "." and _abbreviation(items, start):
                continue
        cuts.append(k)
        i = k
    return _cut(tokens, cuts) or [[]]


def _cut(tokens: list[str | Tag], cuts: list[int]) -> list[list[str | Tag]]:
    """The non-empty pieces of ``tokens`` between item positions ``cuts`` (ascending), with
    text sliced from the tokens rather than rejoined character by character."""
    out: list[list[str | Tag]] = []
    piece: list[str | Tag] = []
    b = pos = 0
    for t in tokens:
        if not isinstance(t, str):
            while b < len(cuts) and cuts[b] <= pos:
                if piece:
                    out.append(piece)
                    piece = []
                b += 1
            piece.append(t)
            pos += 1
            continue
        start = 0
        while b < len(cuts) and cuts[b] < pos + len(t):
            off = cuts[b] - pos
            if off > start:
                _add_text(piece, t[start:off])
            if piece:
                out.append(piece)
                piece = []
            start = off
            b += 1
        if start < len(t):
            _add_text(piece, t[start:])
        pos += len(t)
    if piece:
        out.append(piece)
    return out


def _add_text(piece: list[str | Tag], text: str) -> None:
    if piece and isinstance(piece[-1], str):
        piece[-1] += text
    else:
        piece.append(text)


def _abbreviation(items: list[str | Tag], dot: int) -> bool:
    word = []
    i = dot - 1
    while i >= 0 and isinstance(items[i], str) and (items[i].isalpha() or items[i] == "."):
        word.append(items[i])
        i -= 1
    w = "".join(reversed(word))
    if not w:
        return False
    if len(w) == 1 and w.isupper():  # an initial: "J. Smith"
        return True
    return w.lower() in ABBREVIATIONS


def split(text: str) -> list[str]:
    """Split plain text into sentences; ``"".join(split(text)) == text``."""
    if not text:
        return [""]
    return ["".join(p for p in piece if isinstance(p, str)) for piece in split_tokens([text])]


def strip_tokens(tokens: list[str | Tag]) -> tuple[str, list[str | Tag], str]:
    """Cut leading and trailing whitespace off a token list: (lead, core, trail)."""
    toks = list(tokens)
    lead = trail = ""
    if toks and isinstance(toks[0], str):
        s = toks[0]
        core = s.lstrip(" \t\n\r\f")
        lead = s[: len(s) - len(core)]
        toks[0] = core
        if not core:
            toks.pop(0)
    if toks and isinstance(toks[-1], str):
        s = toks[-1]
        core = s.rstrip(" \t\n\r\f")
        trail = s[len(core):]
        toks[-1] = core
        if not core:
            toks.pop()
    return lead, toks, trail


def joiner(lang: str) -> str:
    """What goes between two translated sentences: nothing in CJK scripts, a space elsewhere."""
    base = lang.replace("_", "-").split("-")[0].lower()
    return "" if base in CJK_LANGS else " "
