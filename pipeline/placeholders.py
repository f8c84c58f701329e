"""Numbered inline placeholders: ``<1>…</1>`` for paired inline markup, ``<2/>`` for void markup.

The grammar is deliberately tiny so that translators and MT engines can keep it intact:

* ``<N>`` opens and ``</N>`` closes placeholder N (N >= 1), ``<N/>`` stands alone;
* every other character is literal text; a literal ``<`` that would read as a placeholder is
  written ``\\<`` and a backslash before ``\\`` or ``<`` is doubled, so any text round-trips.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TOKEN_RE = re.compile(r"\\\\|\\<|<(/?)([1-9][0-9]{0,3})(/?)>")
LOOKALIKE_RE = re.compile(r"</?[1-9][0-9]{0,3}/?>")


@dataclass(frozen=True)
class Tag:
    """One placeholder token: kind is "open", "close" or "void"."""

    kind: str
    n: int

    def __str__(self) -> str:
        if self.kind == "open":
            return f"<{self.n}>"
        if self.kind == "close":
            return f"</{self.n}>"
        return f"<{self.n}/>"


def escape(text: str) -> str:
    """Write literal text so that it never reads as a placeholder."""
    if "\\" not in text and "<" not in text:
        return text
    out = []
    for i, ch in enumerate(text):
        if ch == "\\" and text[i + 1 : i + 2] in ("\\", "<"):
            out.append("\\\\")
        elif ch == "<" and LOOKALIKE_RE.match(text, i):
            out.append("\\<")
        else:
            out.append(ch)
    return "".join(out)


def tokenize(s: str) -> list[str | Tag]:
    """Split a placeholder string into literal text (str) and Tag tokens. Never fails."""
    if "<" not in s and "\\" not in s:
        # Every token TOKEN_RE finds holds one of these: most texts are just one text token.
        return [s] if s else []
    return _scan(s)


def _scan(s: str) -> list[str | Tag]:
    """:func:`tokenize`, by TOKEN_RE."""
    out: list[str | Tag] = []
    buf: list[str] = []
    pos = 0
    for m in TOKEN_RE.finditer(s):
        buf.append(s[pos : m.start()])
        pos = m.end()
        tok = m.group(0)
        if tok == "\\\\":
            buf.append("\\")
        elif tok == "\\<":
            buf.append("<")
        elif m.group(1) and m.group(3):  # "</3/>" is not a placeholder
            buf.append(tok)
        else:
            if buf and "".join(buf):
                out.append("".join(buf))
            buf = []
            kind = "close" if m.group(1) else "void" if m.group(3) else "open"
            out.append(Tag(kind, int(m.group(2))))
    buf.append(s[pos:])
    if "".join(buf):
        out.append("".join(buf))
    return out


def plain_text(s: str) -> str:
    """The literal text of a placeholder string, placeholders removed."""
    return "".join(t for t in tokenize(s) if isinstance(t, str))


def signature(s: str) -> dict[str, int]:
    """Count of each placeholder token, e.g. {"<1>": 1, "</1>": 1, "<2/>": 1}."""
    return _count(tokenize(s))


def _count(tokens: list[str | Tag]) -> dict[str, int]:
    sig: dict[str, int] = {}
    for t in tokens:
        if isinstance(t, Tag):
            key = str(t)
            sig[key] = sig.get(key, 0) + 1
    return sig


def problems(source: str, target: str) -> list[str]:
    """Why ``target`` does not carry exactly the placeholders of ``source`` (empty when fine).

    Order may change (a translator may reorder placeholders) but each must appear as often as
    in the source, and paired ones must open before they close and nest properly.
    """
    if "<" not in source and "<" not in target:
        return []  # every placeholder, well-formed or malformed, holds a "<"
    return _compare(source, target)


def _compare(source: str, target: str) -> list[str]:
    """:func:`problems`, the whole check."""
    found: list[str] = []
    target_tokens = tokenize(target)  # (once: the counts and the nesting both need them)
    want, have = signature(source), _count(target_tokens)
    for tok in sorted(set(want) | set(have), key=_sort_key):
        w, h = want.get(tok, 0), have.get(tok, 0)
        if h < w:
            found.append(f"placeholder {tok} missing")
        elif h > w:
            found.append(f"placeholder {tok} {'invented' if not w else 'repeated'}")
    stack: list[int] = []
    for t in target_tokens:
        if not isinstance(t, Tag):
            continue
        if t.kind == "open":
            stack.append(t.n)
        elif t.kind == "close":
            if not stack or stack[-1] != t.n:
                found.append(f"placeholder </{t.n}> closes out of order")
                if t.n in stack:
                    stack.remove(t.n)
            else:
                stack.pop()
    for n in stack:
        found.append(f"placeholder <{n}> is never closed")
    for m in re.finditer(r"</?\s*[0-9]+\s*/?\s*>|<\s*/?\s*[0-9]+[^>]{0,3}$", target):
        if not TOKEN_RE.fullmatch(m.group(0)):
            found.append(f"malformed placeholder {m.group(0)!r}")
    return found


def _sort_key(tok: str) -> tuple[int, str]:
    return int(re.sub(r"\D", "", tok)), tok


def join(tokens: list[str | Tag]) -> str:
    """The placeholder string of a token list: the inverse of ``tokenize``.

    A text ending in a backslash right before a tag gets that backslash doubled, which
    ``escape`` alone cannot know (``a\\`` + ``<1>`` must not read as a literal ``<``).
    """
    return _write(tokens, None)


def merge_texts(tokens: list[str | Tag]) -> list[str | Tag]:
    """The same tokens with adjacent texts joined into one."""
    merged: list[str | Tag] = []
    for t in tokens:
        if isinstance(t, str) and merged and isinstance(merged[-1], str):
            merged[-1] += t
        else:
            merged.append(t)
    return merged


def renumber(tokens: list[str | Tag]) -> tuple[str, dict[int, int]]:
    """Number placeholders 1, 2, … in order of appearance; returns (string, new -> old number)."""
    numbers: dict[int, int] = {}
    text = _write(tokens, numbers)
    return text, {new: old for old, new in numbers.items()}


def _write(tokens: list[str | Tag], numbers: dict[int, int] | None) -> str:
    """``join``, in one pass; with ``numbers`` (old -> new, filled in as tags come), renumbered."""
    out: list[str] = []
    text = ""  # adjacent texts, escaped as one when a tag or the end comes
    for t in tokens:
        if isinstance(t, str):
            text += t
            continue
        if text:
            if "\\" in text or "<" in text:  # (escape's own test, without the call)
                text = escape(text)
                if text.endswith("\\"):
                    text += "\\"
            out.append(text)
            text = ""
        n = t.n if numbers is None else numbers.setdefault(t.n, len(numbers) + 1)
        kind = t.kind
        out.append(f"<{n}>" if kind == "open" else f"</{n}>" if kind == "close" else f"<{n}/>")
    if text:
        out.append(escape(text))
    return "".join(out)
