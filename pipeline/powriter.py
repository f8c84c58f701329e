"""A fast PO/POT writer giving exactly what ``polib.POFile.__unicode__`` gives.

Rendering catalogs with polib was the largest single cost of extract and update on a corpus:
polib wraps and escapes every field through ``textwrap`` even when nothing needs wrapping. This
writer follows polib 1.2's rules and takes shortcuts only where the result is known: a field
without special characters that fits on its line, or one too long for its line that
``textwrap`` cannot break (no space and no hyphen: typical of Chinese and Japanese sentences,
which then go on one line after ``msgid ""``). Every other field, and every entry with a
context, plural forms or wrapping disabled, is written by polib itself.
"""

from __future__ import annotations

import re
import textwrap
from functools import lru_cache

import polib

# What makes polib write a field over several lines (str.splitlines breaks at each of these),
# or escape it: a field holding one of these is left to polib.
_SLOW_FIELD_RE = re.compile('[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029\\\\\t\b"]')
_SPACES_RE = re.compile("( +)")


def render(po: polib.POFile) -> str:
    """``po.__unicode__()``, faster."""
    width = po.wrapwidth
    if not isinstance(width, int) or width < 30:  # no wrapping, or too narrow for a field name
        return po.__unicode__()
    head = []
    for header in po.header.split("\n"):
        if not header:
            head.append("#\n")
        elif header[:1] in (",", ":"):
            head.append(f"#{header}\n")
        else:
            head.append(f"# {header}\n")
    out = [po.metadata_as_entry().__unicode__(width)]
    out += [_entry(e, width) for e in po if not e.obsolete]
    out += [_entry(e, width) for e in po if e.obsolete]
    return "".join(head) + "\n".join(out)


def _entry(e: polib.POEntry, width: int) -> str:
    """``e.__unicode__(width)`` (polib's POEntry and its _BaseEntry part)."""
    if (e.msgctxt is not None or e.msgid_plural or e.msgstr_plural or e.previous_msgctxt is not None
            or e.previous_msgid_plural is not None):
        return e.__unicode__(width)
    ret: list[str] = []
    if e.tcomment:
        for comment in e.tcomment.split("\n"):
            ret += _comment(comment, "# ", width)
    if e.comment and not e.obsolete:
        for comment in e.comment.split("\n"):
            ret += _comment(comment, "#. ", width)
    if e.occurrences and not e.obsolete:
        filestr = " ".join(f"{f}:{n}" if n else f for f, n in e.occurrences)
        if len(filestr) + 3 > width:
            ret += [line.replace("*", "-") for line in textwrap.wrap(
                filestr.replace("-", "*"), width, initial_indent="#: ", subsequent_indent="#: ",
                break_long_words=False)]
        else:
            ret.append("#: " + filestr)
    if e.flags:
        ret.append("#, " + ", ".join(e.flags))
    delflag = "#~ " if e.obsolete else ""
    if e.previous_msgid is not None:
        ret += _field(e, "previous_msgid", "#~| " if e.obsolete else "#| ", e.previous_msgid, width)
    ret += _field(e, "msgid", delflag, e.msgid, width)
    ret += _field(e, "msgstr", delflag, e.msgstr, width)
    ret.append("")
    return "\n".join(ret)


@lru_cache(maxsize=4096)
def _comment(comment: str, prefix: str, width: int) -> tuple[str, ...]:
    """The lines of one comment line (contexts and notes repeat: cached)."""
    if len(comment) + len(prefix) > width:
        return tuple(textwrap.wrap(comment, width, initial_indent=prefix, subsequent_indent=prefix,
                                   break_long_words=False))
    return (prefix + comment,)


def _field(e: polib.POEntry, name: str, delflag: str, value: str, width: int) -> list[str]:
    """``e._str_field(name, delflag, "", value, width)``."""
    if _SLOW_FIELD_RE.search(value):
        return e._str_field(name, delflag, "", value, width)
    fits = len(value) <= width - len(name) - 3  # polib counts "previous_" in too
    if not fits and "-" in value:
        return e._str_field(name, delflag, "", value, width)
    if name.startswith("previous_"):
        name = name[9:]
    if fits:
        return [f'{delflag}{name} "{value}"']
    return [f'{delflag}{name} ""'] + [f'{delflag}"{line}"' for line in _wrap(value, width - 2)]


def _wrap(text: str, width: int) -> list[str]:
    """``textwrap.wrap(text, width, drop_whitespace=False, break_long_words=False)`` for a text
    whose only whitespace is spaces and that has no hyphen: then textwrap's chunks are just the
    runs of spaces and of other characters, and its greedy filling is this."""
    chunks = [c for c in _SPACES_RE.split(text) if c]
    chunks.reverse()
    lines = []
    while chunks:
        line, size = [], 0
        while chunks and size + len(chunks[-1]) <= width:
            size += len(chunks[-1])
            line.append(chunks.pop())
        if not line:  # a word longer than the line goes on a line of its own
            line.append(chunks.pop())
        lines.append("".join(line))
    return lines
