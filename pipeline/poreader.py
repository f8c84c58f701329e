"""A fast reader for the common shape of PO files, giving exactly what ``polib.pofile`` gives.

polib's parser is a general state machine; reading catalogs was the largest cost of update
and build on a corpus. This reader follows the same rules (polib 1.2's ``_POFileParser``) for
the lines that make up nearly every catalog: comments, references, flags, ``msgid``,
``msgstr`` and continuation lines. Anything else (contexts, plurals, previous msgids,
obsolete entries, duplicates, syntax errors) returns None, and the caller lets polib read it.
"""

from __future__ import annotations

import re

import polib

_QUOTE_RE = re.compile(r'([^\\]|^)"')
_UNESCAPES = {"n": "\n", "t": "\t", "r": "\r", "v": "\v", "b": "\b", "f": "\f", "\\": "\\", '"': '"'}
_UNESCAPE_RE = re.compile(r'\\(\\|n|t|r|v|b|f|")')
# Transitions of polib's state machine for the symbols handled here: symbol -> allowed states.
_ALLOWED = {
    "tc": {"st", "he", "gc", "oc", "fl", "tc", "ms", "mi"},
    "gc": None, "oc": None, "fl": None,  # from any state
    "mi": {"st", "he", "gc", "oc", "fl", "tc", "ms"},
    "ms": {"mi", "tc"},
    "mc": {"mi", "ms"},
}


def _unescape(s: str) -> str:
    return _UNESCAPE_RE.sub(lambda m: _UNESCAPES[m.group(1)], s) if "\\" in s else s


def read(text: str, *, wrapwidth: int) -> polib.POFile | None:
    """The catalog in ``text``, or None when it needs polib's full parser."""
    po = polib.POFile(wrapwidth=wrapwidth, encoding=polib.detect_encoding(text),
                      check_for_duplicates=True)
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
            po.header = (po.header + "\n" if po.header != "" else "") + token[2:]
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
    seen: set[str] = set()
    for e in entries:  # what check_for_duplicates would refuse: polib says which
        if e.msgid in seen:
            return None
        seen.add(e.msgid)
    header = next((e for e in entries if e.msgid == ""), None)
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
