"""A fast PO/POT writer giving exactly what ``polib.POFile.__unicode__`` gives.

Rendering catalogs with polib was the largest single cost of extract and update on a corpus:
polib wraps and escapes every field through ``textwrap`` even when nothing needs wrapping. This
writer follows polib 1.2's rules and takes shortcuts only where the result is known: comments,
references and fields without special characters that fit on their lines; longer references
and fields whose only whitespace is spaces and that have no hyphen textwrap would break at
(typical of Chinese and Japanese sentences), wrapped by textwrap's greedy filling written out
for that case; long comment lines through textwrap, cached; the header entry, a field of
several lines, which polib never wraps. Every other field, and every entry with a context,
plural forms or wrapping disabled, is written by polib itself."""

from __future__ import annotations

import re
import textwrap
from functools import lru_cache

import polib

# What makes polib write a field over several lines (str.splitlines breaks at each of these),
# or escape it: a field holding one of these is left to polib.
_SLOW_FIELD_RE = re.compile('[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029\\\\\t\b"]')
_SPACES_RE = re.compile("( +)")
_OTHER_SPACE_RE = re.compile(r"[^\S ]")  # whitespace that textwrap sees differently (or not at all)


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
    out = [_header_entry(po, width)]
    out += [_entry(e, width) for e in po if not e.obsolete]
    out += [_entry(e, width) for e in po if e.obsolete]
    return "".join(head) + "\n".join(out)


def _header_entry(po: polib.POFile, width: int) -> str:
    """``po.metadata_as_entry().__unicode__(width)``. polib writes a field of several lines
    line by line, escaped and never wrapped; the header of one line or none is left to it."""
    fields = po.ordered_metadata()
    if len(fields) < 2:
        return po.metadata_as_entry().__unicode__(width)
    lines = ("\n".join([f"{name}: {value}" for name, value in fields]) + "\n").splitlines(True)
    flags = "#, fuzzy\n" if po.metadata_is_fuzzy else ""
    return flags + 'msgid ""\nmsgstr ""\n' + "".join([f'"{polib.escape(line)}"\n' for line in lines])


def _entry(e: polib.POEntry, width: int) -> str:
    """``e.__unicode__(width)`` (polib's POEntry and its _BaseEntry part): lines ending in a newline."""
    if (e.msgctxt is not None or e.msgid_plural or e.msgstr_plural or e.previous_msgctxt is not None
            or e.previous_msgid_plural is not None):
        return e.__unicode__(width)
    obsolete = e.obsolete
    out: list[str] = []
    if e.tcomment:
        out.append(_comments(e.tcomment, "# ", width))
    if e.comment and not obsolete:
        out.append(_comments(e.comment, "#. ", width))
    if e.occurrences and not obsolete:
        out.append(_references(e.occurrences, width))
    if e.flags:
        out.append(f"#, {', '.join(e.flags)}\n")
    delflag = "#~ " if obsolete else ""
    if e.previous_msgid is not None:
        out.append(_field(e, "previous_msgid", "#~| " if obsolete else "#| ", e.previous_msgid, width))
    out.append(_field(e, "msgid", delflag, e.msgid, width))
    out.append(_field(e, "msgstr", delflag, e.msgstr, width) if e.msgstr else f'{delflag}msgstr ""\n')
    return "".join(out)


def _comments(text: str, prefix: str, width: int) -> str:
    """The lines of a comment, each wrapped on its own."""
    if len(text) + len(prefix) <= width:  # then no line of it is too long
        return prefix + text.replace("\n", "\n" + prefix) + "\n"
    return "".join(_comment(comment, prefix, width) for comment in text.split("\n"))


@lru_cache(maxsize=4096)
def _comment(comment: str, prefix: str, width: int) -> str:
    """The lines of one comment line (contexts and notes repeat: cached)."""
    if len(comment) + len(prefix) > width:
        return "".join(line + "\n" for line in textwrap.wrap(
            comment, width, initial_indent=prefix, subsequent_indent=prefix, break_long_words=False))
    return prefix + comment + "\n"


def _references(occurrences: list[tuple[str, str]], width: int) -> str:
    """The ``#:`` lines."""
    filestr = " ".join([f"{f}:{n}" if n else f for f, n in occurrences])
    if len(filestr) + 3 <= width:
        return f"#: {filestr}\n"
    if _OTHER_SPACE_RE.search(filestr):
        # polib hides hyphens from textwrap as "*" (and so turns a "*" into a hyphen).
        lines = textwrap.wrap(filestr.replace("-", "*"), width, initial_indent="#: ",
                              subsequent_indent="#: ", break_long_words=False)
    else:
        lines = _wrap_words(filestr, width - 3)
    return "".join(f"{line}\n" for line in lines).replace("*", "-")


def _wrap_words(text: str, width: int) -> list[str]:
    """``textwrap.wrap(text, width + 3, initial_indent="#: ", subsequent_indent="#: ",
    break_long_words=False)`` for a text whose only whitespace is spaces, hyphens not breaking:
    textwrap's chunks are then the runs of spaces and of other characters, and its greedy
    filling, dropping spaces at the ends of lines, is this."""
    chunks = _chunks(text)
    lines: list[str] = []
    while chunks:
        if lines and chunks[-1][0] == " ":
            chunks.pop()
        line, size = [], 0
        while chunks and size + len(chunks[-1]) <= width:
            size += len(chunks[-1])
            line.append(chunks.pop())
        if not line and chunks:  # a word longer than the line goes on a line of its own
            line.append(chunks.pop())
        if line and line[-1][0] == " ":
            line.pop()
        if line:
            lines.append("#: " + "".join(line))
    return lines


def _field(e: polib.POEntry, name: str, delflag: str, value: str, width: int) -> str:
    """``e._str_field(name, delflag, "", value, width)``, lines ending in a newline."""
    # (a printable text holds none of the characters _SLOW_FIELD_RE finds but the last two:
    # three tests in C, faster than the regex search on most fields)
    if not (value.isprintable() and '"' not in value and "\\" not in value) and _SLOW_FIELD_RE.search(value):
        return "".join(f"{line}\n" for line in e._str_field(name, delflag, "", value, width))
    fits = len(value) <= width - len(name) - 3  # polib counts "previous_" in too
    if not fits and "-" in value:
        return "".join(f"{line}\n" for line in e._str_field(name, delflag, "", value, width))
    if name.startswith("previous_"):
        name = name[9:]
    if fits:
        return f'{delflag}{name} "{value}"\n'
    return f'{delflag}{name} ""\n' + "".join(f'{delflag}"{line}"\n' for line in _wrap(value, width - 2))


def _wrap(text: str, width: int) -> list[str]:
    """``textwrap.wrap(text, width, drop_whitespace=False, break_long_words=False)`` for a text
    whose only whitespace is spaces and that has no hyphen: then textwrap's chunks are just the
    runs of spaces and of other characters, and its greedy filling is this."""
    chunks = _chunks(text)
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


def _chunks(text: str) -> list[str]:
    """The runs of spaces and of other characters of ``text``, last first (textwrap's chunks
    for the texts above). Most texts have no run of two spaces: one str.split then does."""
    if "  " in text:
        chunks = [c for c in _SPACES_RE.split(text) if c]
    else:
        words = text.split(" ")
        chunks = [" "] * (2 * len(words) - 1)
        chunks[::2] = words
        if not words[-1]:  # (a text ending in a space; one starting with one, below)
            chunks.pop()
        if chunks and not chunks[0]:
            del chunks[0]
    chunks.reverse()
    return chunks
