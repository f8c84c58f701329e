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
TERMINATORS = CJK_TERMINATORS | LATIN_TERMINATORS
OPENERS = dict(zip("“‘「『（《【〔〖〈([{", "”’」』）》】〕〗〉)]}"))
CLOSERS = frozenset(OPENERS.values()) | frozenset("\"'»")
WHITESPACE = frozenset(" \t\n\r\f\u00a0\u3000")
# The whitespace cut off a unit's or a sentence's ends (HTML's, not U+00A0 or U+3000).
STRIPPED = " \t\n\r\f"
# Base languages written in CJK scripts: sentences follow each other without a space.
CJK_LANGS = frozenset({"zh", "ja", "ko", "yue", "lzh"})
# Words after which a period does not end a sentence.
ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr vs etc e.g i.e cf no nos fig figs approx dept est inc ltd co corp "
    "jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k a.m p.m".split()
)
# The characters the sentence scan looks at; all others it steps over.
SPECIAL = frozenset(OPENERS) | CLOSERS | TERMINATORS
_TERMINATOR_RE = re.compile("[" + re.escape("".join(sorted(TERMINATORS))) + "]")
# What stands for a tag in the one string the scan reads: a character in none of the classes
# above (the scan then looks the tag up by position), and one that lxml text never holds.
TAG_STAND_IN = "\x00"
_MARK_SPLIT_RE = re.compile("([" + re.escape("".join(sorted(SPECIAL | {TAG_STAND_IN}))) + "])")


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
    # The run as one string, each tag standing in as one character (TAG_STAND_IN), with the
    # tags themselves by position. Positions are those of the run's items (a character or a
    # tag), the positions _cut takes.
    parts: list[str] = []
    tags: dict[int, Tag] = {}
    pos = 0
    for t in tokens:
        if isinstance(t, str):
            parts.append(t)
            pos += len(t)
        else:
            tags[pos] = t
            parts.append(TAG_STAND_IN)
            pos += 1
    return _cut(tokens, _sentence_starts("".join(parts), tags)) or [[]]


def split_marked(text: str, tags: list[Tag]) -> list[str]:
    """:func:`split_tokens` for a run given as one string with TAG_STAND_IN for each of ``tags``
    (in order), which ``text`` must not hold otherwise; the pieces come back as such strings.

    The document walk gives its runs this way: lxml text never holds the stand-in (NUL).
    """
    end = _TERMINATOR_RE.search(text)
    if end is None or end.end() == len(text):
        # No sentence end, or only one, as the last character ("……。": nearly half of the
        # runs that have one): one piece, as the scan would find (no text after the end).
        return [text]
    by_position = {}
    pos = -1
    for tag in tags:
        pos = text.index(TAG_STAND_IN, pos + 1)
        by_position[pos] = tag
    cuts = _sentence_starts(text, by_position)
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]


def _sentence_starts(flat: str, tags: dict[int, Tag]) -> list[int]:
    """Where each sentence of a run but the first starts (item positions, ascending).

    ``flat`` is the run's text with one TAG_STAND_IN for each tag, ``tags`` the tags by
    position. The scan steps from mark to mark (tags and the characters in SPECIAL): every
    other character only moves it on. The stand-in is in none of the character classes tested
    below, so a tag never passes for text (nor does a stand-in that is text).
    """
    n = len(flat)
    cuts: list[int] = []
    depth_tag = depth_br = 0
    resume = 0  # the marks before this were read by the look-ahead after a sentence end
    # One C-level split gives every mark with the text before it: [text, mark, text, mark, …].
    pieces = _MARK_SPLIT_RE.split(flat)
    i = -1  # the position of mark `it`
    for gap, it in zip(pieces[::2], pieces[1::2]):
        i += len(gap) + 1
        if i < resume:
            continue
        tag = tags.get(i) if it == TAG_STAND_IN else None
        if tag is not None:
            if tag.kind == "open":
                depth_tag += 1
            elif tag.kind == "close":
                depth_tag = max(0, depth_tag - 1)
            continue
        if it in OPENERS:
            depth_br += 1
            continue
        if it in CLOSERS:
            if it not in "\"'" and not (it == "’" and i and flat[i - 1].isalpha()
                                        and not is_cjk(flat[i - 1])):
                depth_br = max(0, depth_br - 1)
            continue
        if it not in TERMINATORS:
            continue
        latin = it in LATIN_TERMINATORS
        j = i + 1
        while j < n and flat[j] in TERMINATORS:
            latin = latin and flat[j] in LATIN_TERMINATORS
            j += 1
        # Closing quotes, brackets and placeholders stay with the sentence.
        while j < n:
            x = flat[j]
            if x in CLOSERS:
                if x not in "\"'":
                    depth_br = max(0, depth_br - 1)
            elif x == TAG_STAND_IN and depth_tag and j in tags and tags[j].kind == "close":
                depth_tag -= 1
            else:
                break
            j += 1
        k = j
        while k < n and flat[k] in WHITESPACE:
            k += 1
        resume = j
        if depth_tag or depth_br or k >= n:
            continue
        if latin:
            nxt = flat[k]
            if k == j and not (it in "!?" and is_cjk(nxt)):
                continue
            if nxt.isalpha() and nxt.islower():
                continue
            if it == "." and _abbreviation(flat, i):
                continue
        cuts.append(k)
        resume = k
    return cuts


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


def _abbreviation(flat: str, dot: int) -> bool:
    """Whether the period at ``dot`` ends an abbreviation or an initial rather than a sentence."""
    i = dot
    while i > 0 and (flat[i - 1].isalpha() or flat[i - 1] == "."):
        i -= 1
    w = flat[i:dot]
    if not w:
        return False
    if len(w) == 1 and w.isupper():  # an initial: "J. Smith"
        return True
    return w.lower() in ABBREVIATIONS


def split(text: str) -> list[str]:
    """Split plain text into sentences; ``"".join(split(text)) == text``."""
    if not text:
        return [""]
    if not _TERMINATOR_RE.search(text):
        return [text]
    cuts = _sentence_starts(text, {})
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]


def strip_tokens(tokens: list[str | Tag]) -> tuple[str, list[str | Tag], str]:
    """Cut leading and trailing whitespace off a token list: (lead, core, trail)."""
    toks = list(tokens)
    lead = trail = ""
    if toks and isinstance(toks[0], str):
        s = toks[0]
        core = s.lstrip(STRIPPED)
        lead = s[: len(s) - len(core)]
        toks[0] = core
        if not core:
            toks.pop(0)
    if toks and isinstance(toks[-1], str):
        s = toks[-1]
        core = s.rstrip(STRIPPED)
        trail = s[len(core):]
        toks[-1] = core
        if not core:
            toks.pop()
    return lead, toks, trail


def joiner(lang: str) -> str:
    """What goes between two translated sentences: nothing in CJK scripts, a space elsewhere."""
    base = lang.replace("_", "-").split("-")[0].lower()
    return "" if base in CJK_LANGS else " "
