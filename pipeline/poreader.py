"""A fast reader for the common shape of PO files, giving exactly what ``polib.pofile`` gives.

polib's parser is a general state machine; reading catalogs was the largest cost of update
and build on a corpus. This reader follows the same rules (polib 1.2's ``_POFileParser``) in
two steps. A catalog laid out as polib writes it (entries of comments, references, flags, a
previous msgid, ``msgid`` and ``msgstr``, obsolete or not, a blank line apart) is read entry by
entry, one regular expression each. Other orders of comments, references, flags, ``msgid`` and
``msgstr`` lines are read line by line. Anything else (contexts, plurals, previous msgids or
obsolete entries laid out otherwise, duplicates, syntax errors) returns None, and the caller
lets polib read it."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable

import polib

_QUOTE_RE = re.compile(r'([^\\]|^)"')
_UNESCAPES = {"n": "\n", "t": "\t", "r": "\r", "v": "\v", "b": "\b", "f": "\f", "\\": "\\", '"': '"'}
_UNESCAPE_RE = re.compile(r'\\(\\|n|t|r|v|b|f|")')
_CHARSET_RE = re.compile(r'"?Content-Type:.+? charset=([\w_\-:\.]+)')  # polib.detect_encoding's
# Transitions of polib's state machine for the symbols handled here: symbol -> allowed states.
_ALLOWED = {
    "tc": {"st", "he", "gc", "oc", "fl", "tc", "ms", "mi"},
    "gc": None, "oc": None, "fl": None,  # from any state
    "mi": {"st", "he", "gc", "oc", "fl", "tc", "ms"},
    "ms": {"mi", "tc"},
    "mc": {"mi", "ms"},
}

# One entry as polib writes it, without context or plural forms (obsolete: "#~ " before its
# messages; its "#~| " lines polib drops, and catalog._check_lines refuses: not here either).
# A quoted string holds no raw quote and no newline, and each of its backslashes starts a pair,
# so the lines of a message can be joined before unescaping (the strings are written as runs
# between pairs: an alternation per character was three times slower). polib strips every line
# (of all Unicode whitespace, as \s): here no line starts with whitespace, and a comment line
# may not end with it, so that nothing needs stripping.
_STRING = r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"'
_COMMENT = r"[^\n]*(?<!\s)"
_TC = rf"(?:#(?: {_COMMENT})?\n|# \n)*"  # "# " is polib's empty translator comment
_GC = rf"(?:#\. {_COMMENT}\n)*"
_OC = rf"(?:#: {_COMMENT}\n)*"
_FL = rf"(?:#, {_COMMENT}\n)*"
_PREVIOUS = rf"{_STRING}(?:\n#\| {_STRING})*"
_ENTRY_RE = re.compile(
    rf"(?P<tc>{_TC})(?P<gc>{_GC})(?P<oc>{_OC})(?P<fl>{_FL})(?:#\| msgid (?P<previous>{_PREVIOUS})\n)?"
    rf"(?P<obsolete>(?:#~ )?)msgid (?P<msgid>{_STRING}(?:\n(?P=obsolete){_STRING})*)\n"
    rf"(?P=obsolete)msgstr (?P<msgstr>{_STRING}(?:\n(?P=obsolete){_STRING})*)(?:\n\n?|\Z)")
# A run of entries that a translated-only reading makes nothing of, each exactly as _ENTRY_RE
# matches it: obsolete ones, and the others with an empty msgstr ("" lines only, not followed
# by another string) and a msgid that is not empty (msgid "" is the header, with the metadata).
# One match skips a whole catalog of untranslated entries without a Python step per entry.
_UNUSED_RE = re.compile(
    rf"(?:{_TC}{_GC}{_OC}{_FL}(?:#\| msgid {_PREVIOUS}\n)?"
    rf"(?:#~ msgid {_STRING}(?:\n#~ {_STRING})*\n#~ msgstr {_STRING}(?:\n#~ {_STRING})*"
    rf'|msgid (?!""(?:\n"")*\nmsgstr ){_STRING}(?:\n{_STRING})*\nmsgstr ""(?:\n"")*(?!\n"))'
    rf"(?:\n\n?|\Z))*")
# The msgid of every entry of a text that _ENTRY_RE reads whole (no other line starts so), from
# its first line to its last: lines of strings ("..." or #~ "...") up to the msgstr line.
_MSGID_RE = re.compile(r'\n(#~ )?msgid "(.*(?:\n(?:#~ )?".*)*)"\n')

_new = object.__new__


def new_entry(msgid: str = "", msgstr: str = "", *, comment: str = "", tcomment: str = "",
              occurrences: list | None = None, flags: list | None = None,
              previous_msgid: str | None = None, obsolete: bool | int = False,
              linenum: int | None = None) -> polib.POEntry:
    """``polib.POEntry(...)`` with these fields, faster: polib's __init__ (fifteen keyword
    look-ups) costs more than reading the entry.

    The attributes are set one by one in the order polib's __init__ sets them, so that the
    entry's dict shares its keys with every other POEntry: an entry given a dict of its own
    (``entry.__dict__ = ...``) is made more slowly and read twice as slowly ever after."""
    entry = _new(polib.POEntry)
    entry.msgid = msgid
    entry.msgstr = msgstr
    entry.msgid_plural = ""
    entry.msgstr_plural = {}
    entry.msgctxt = None
    entry.obsolete = obsolete
    entry.encoding = polib.default_encoding
    entry.comment = comment
    entry.tcomment = tcomment
    entry.occurrences = [] if occurrences is None else occurrences
    entry.flags = [] if flags is None else flags
    entry.previous_msgctxt = None
    entry.previous_msgid = previous_msgid
    entry.previous_msgid_plural = None
    entry.linenum = linenum
    return entry


def _unescape(s: str) -> str:
    return _UNESCAPE_RE.sub(lambda m: _UNESCAPES[m.group(1)], s) if "\\" in s else s


def read(text: str, *, wrapwidth: int) -> polib.POFile | None:
    """The catalog in ``text``, or None when it needs polib's full parser."""
    parsed = _read_entries(text)
    if parsed is None:
        parsed = _read_lines(text)
    return _catalog(text, parsed, wrapwidth)


def read_as_written(text: str, *, wrapwidth: int, translated_only: bool = False) -> polib.POFile | None:
    """The catalog in ``text`` if it is laid out as polib writes it (then it has no syntax error
    either), else None.

    ``translated_only``: the same catalog with only its entries that are not obsolete and have a
    msgstr (all that build uses): the others are read only as far as the duplicate check needs."""
    return _catalog(text, _read_entries(text, translated_only=translated_only), wrapwidth)


def _catalog(text: str, parsed: tuple[str, list[polib.POEntry]] | None, wrapwidth: int) -> polib.POFile | None:
    """The POFile polib makes of a header comment and entries: metadata out of the header entry."""
    if parsed is None:
        return None
    header_comment, entries = parsed
    po = polib.POFile(wrapwidth=wrapwidth, encoding=_encoding(text), check_for_duplicates=True)
    po.header = header_comment
    header = next((e for e in entries if e.msgid == "" and not e.obsolete), None)
    if header is not None:
        entries.remove(header)
        po.metadata_is_fuzzy = header.flags
        key = None
        for msg in header.msgstr.splitlines():
            try:
                key, val = msg.split(":", 1)
                po.metadata[key] = val.strip()
            except (ValueError, KeyError):
                if key is not None:
                    po.metadata[key] += "\n" + msg.strip()
    list.extend(po, entries)
    return po


def _encoding(text: str) -> str:
    """``polib.detect_encoding(text)`` of catalog text: the charset its header names when Python
    knows it, else polib's default. (polib first asks the disk whether the text is the name of a
    file: a stat of the whole catalog as a path, a good part of the cost of a small one.)"""
    m = _CHARSET_RE.search(text)
    if m:
        charset = m.group(1).strip()
        try:
            codecs.lookup(charset)
            return charset
        except LookupError:
            pass
    return polib.default_encoding


def _translator_comment(tc: str) -> str:
    """The text of translator comment lines ("# text", or "#" alone: an empty comment) as polib
    adds them up: empty lines before the first text are lost."""
    lines = [l[2:] for l in tc[:-1].split("\n")]
    while lines and lines[0] == "":
        del lines[0]
    return "\n".join(lines)


def _has_duplicate(keys: Iterable[tuple[str, str | int]]) -> bool:
    """Whether a msgid (of ``(msgid, obsolete)`` in file order) is used after an entry with it that
    is not obsolete: what check_for_duplicates refuses (polib says which)."""
    keys = list(keys)
    if len(dict(keys)) == len(keys):
        return False  # every msgid once: the common case, seen in one step
    seen: set[str] = set()
    for msgid, obsolete in keys:
        if msgid in seen:
            return True
        if not obsolete:
            seen.add(msgid)
    return False


def _read_entries(text: str, *, translated_only: bool = False) -> tuple[str, list[polib.POEntry]] | None:
    """(header comment, entries) of a catalog laid out as polib writes it, else None (also for a
    duplicate msgid). ``translated_only``: no entry for what is obsolete or has an empty msgstr,
    except the header entry."""
    header = ""
    entries: list[polib.POEntry] = []
    keys: list[tuple[str, str]] = []  # (msgid, obsolete) of every entry, made or not
    pos, end = 0, len(text)
    line, counted = 1, 0  # the number of the line at ``counted``
    match = _ENTRY_RE.match
    while pos < end:
        m = match(text, pos)
        if m is None:
            return None
        tc, gc, oc, fl, previous, obsolete, msgid, msgstr = m.groups()
        start, pos = pos, m.end()
        # '"\n"' (or '"\n#~ "') is only ever the end of a line of a message and the start of the next.
        newline = f'"\n{obsolete}"'
        msgid = _unescape(msgid[1:-1].replace(newline, ""))
        msgstr = msgstr[1:-1].replace(newline, "")  # empty exactly when it is empty unescaped
        keys.append((msgid, obsolete))
        if tc and not start:  # translator comments before the first entry are the header comment
            header, tc = _translator_comment(tc), ""
        if translated_only and (obsolete or not msgstr and msgid):  # msgid "": the header's metadata
            # This entry makes nothing, and neither may those after it: skipped in one step.
            # (Looked for only after an unused entry: translated ones mostly come in runs.)
            pos = _UNUSED_RE.match(text, pos).end()
            continue
        line += text.count("\n", counted, start)  # counted up to the entries made only
        counted = start
        tcomment = comment = ""
        occurrences: list[tuple[str, str]] = []
        flags: list[str] = []
        if tc:
            tcomment = _translator_comment(tc)
        if gc:
            comment = gc[3:-1].replace("\n#. ", "\n")
        if oc:
            # The lines of references, joined with a space, split into the same words.
            for occurrence in oc[3:-1].replace("\n#: ", " ").split():
                fil, sep, num = occurrence.rpartition(":")
                occurrences.append((fil, num) if sep and num.isdigit() else (occurrence, ""))
        if fl:
            flags = [f.strip() for f in fl[3:-1].replace("\n#, ", ",").split(",")]
        if previous is not None:
            previous = _unescape(previous[1:-1].replace('"\n#| "', ""))
        entries.append(new_entry(msgid, _unescape(msgstr), comment=comment, tcomment=tcomment,
                                 occurrences=occurrences, flags=flags, previous_msgid=previous,
                                 obsolete=1 if obsolete else 0,  # ints, as polib's parser sets
                                 linenum=line if start else 0))  # polib numbers the first entry 0
    if translated_only:  # the keys of all entries, the skipped ones too
        keys = _keys(text)
    if _has_duplicate(keys):
        return None
    return header, entries


def _keys(text: str) -> list[tuple[str, str]]:
    """(msgid, obsolete) of every entry of ``text``, a catalog that :func:`_read_entries` reads
    whole, as that loop makes them; in one search of the text rather than a match per entry."""
    keys = []
    for obsolete, msgid in _MSGID_RE.findall("\n" + text):  # (the first line as the others)
        if "\n" in msgid:  # the lines of a long msgid, joined
            msgid = msgid.replace(f'"\n{obsolete}"', "")
        keys.append((_unescape(msgid) if "\\" in msgid else msgid, obsolete))
    return keys


def _read_lines(text: str) -> tuple[str, list[polib.POEntry]] | None:
    """(header comment, entries) of a catalog of comment, reference, flag, ``msgid`` and ``msgstr``
    lines in any order polib accepts, else None."""
    header = ""
    entries: list[polib.POEntry] = []
    entry = polib.POEntry(linenum=0)
    state = "st"
    tokens: list[str] = []
    for n, line in enumerate(text.splitlines(), 1):
        if n == 1 and line.startswith("\ufeff"):
            line = line[1:]
        line = line.strip()
        if not line:
            continue
        tokens = line.split(None, 2)
        first = tokens[0]
        if first in ("msgid", "msgstr") and len(tokens) > 1:
            token = line[len(first):].lstrip()
            if _QUOTE_RE.search(token[1:-1]):
                return None
            symbol = "mi" if first == "msgid" else "ms"
        elif line[0] == '"':
            if _QUOTE_RE.search(line[1:-1]):
                return None
            token, symbol = line, "mc"
        elif first in ("#:", "#,", "#.") and len(tokens) <= 1:
            continue
        elif first == "#:":
            token, symbol = line, "oc"
        elif first == "#,":
            token, symbol = line, "fl"
        elif first == "#.":
            token, symbol = line, "gc"
        elif first == "#" or first.startswith("##"):
            token, symbol = line, "tc"
        else:
            return None  # msgctxt, plurals, #| previous, #~ obsolete, or a syntax error
        allowed = _ALLOWED[symbol]
        if allowed is not None and state not in allowed:
            return None
        if symbol == "mc":
            if state == "mi":
                entry.msgid += _unescape(token[1:-1])
            else:
                entry.msgstr += _unescape(token[1:-1])
            continue
        if symbol == "tc" and state in ("st", "he"):
            header = (header + "\n" if header != "" else "") + token[2:]
            state = "he"
            continue
        if state == "ms" and symbol != "ms":
            entries.append(entry)
            entry = polib.POEntry(linenum=n)
        if symbol == "tc":
            comment = token.lstrip("#")
            comment = comment[1:] if comment.startswith(" ") else comment
            entry.tcomment = entry.tcomment + "\n" + comment if entry.tcomment != "" else comment
        elif symbol == "gc":
            entry.comment = entry.comment + "\n" + token[3:] if entry.comment != "" else token[3:]
        elif symbol == "oc":
            for occurrence in token[3:].split():
                fil, sep, num = occurrence.rpartition(":")
                if not sep:
                    entry.occurrences.append((occurrence, ""))
                elif num.isdigit():
                    entry.occurrences.append((fil, num))
                else:
                    entry.occurrences.append((occurrence, ""))
        elif symbol == "fl":
            entry.flags += [c.strip() for c in token[3:].split(",")]
        elif symbol == "mi":
            entry.obsolete = 0
            entry.msgid = _unescape(token[1:-1])
        else:
            entry.msgstr = _unescape(token[1:-1])
        state = symbol
    if tokens and not tokens[0].startswith("#"):
        entries.append(entry)
    if _has_duplicate((e.msgid, e.obsolete) for e in entries):
        return None
    return header, entries
