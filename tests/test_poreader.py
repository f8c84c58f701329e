"""The fast catalog reader gives exactly what polib reads: on catalogs the writer wrote from random
entries (hypothesis) and on hand-written layouts at the edges of its fast path. Reading only the
translated entries (for build) gives the same entries, header and errors as reading all of them."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from hypothesis import given, settings, strategies as st

from pipeline import catalog, poreader, powriter
from pipeline.errors import CatalogError

ROOT = Path(__file__).resolve().parent.parent


def _snapshot(po) -> tuple:
    return (po.header, po.metadata, po.metadata_is_fuzzy, po.wrapwidth, po.encoding, po.fpath,
            [sorted(vars(e).items()) for e in po])


def _polib(text: str) -> polib.POFile | None:
    """What polib reads (lines end at "\\n" only, as in catalog.parse), None when it refuses."""
    try:
        return polib.pofile(catalog._POText(text), wrapwidth=catalog.WRAP, check_for_duplicates=True)
    except (OSError, ValueError):
        return None


def _translated(po) -> list:
    """What a translated-only reading keeps of a whole one."""
    return [e for e in po if not e.obsolete and (e.msgstr or any(e.msgstr_plural.values()))]


def _parsed(text: str, **options) -> tuple:
    """The snapshot of ``catalog.parse``'s catalog, or its error (where, message)."""
    try:
        return "read", _snapshot(catalog.parse(text, "x.po", **options))
    except CatalogError as e:
        return "error", e.where, e.message


def _same_translated_only(text: str) -> None:
    """Reading only the translated entries gives those of the whole catalog (header and metadata
    alike, every field of every entry, linenum included), and the same errors."""
    whole = poreader.read_as_written(text, wrapwidth=catalog.WRAP)
    part = poreader.read_as_written(text, wrapwidth=catalog.WRAP, translated_only=True)
    assert (part is None) == (whole is None), text
    if whole is not None:
        whole[:] = _translated(whole)
        assert _snapshot(part) == _snapshot(whole), text
    want = _parsed(text)
    if want[0] == "read":
        po = catalog.parse(text, "x.po")
        po[:] = _translated(po)
        want = "read", _snapshot(po)
    assert _parsed(text, translated_only=True) == want, text


def _same_as_polib(text: str) -> bool:
    """poreader reads ``text`` as polib does (or leaves it to polib); True when its fast path read it."""
    text = catalog._POText(text)
    _same_translated_only(text)
    fast = poreader.read_as_written(text, wrapwidth=catalog.WRAP)
    got = poreader.read(text, wrapwidth=catalog.WRAP)
    want = _polib(text)
    if fast is not None:
        assert want is not None, text
        assert _snapshot(fast) == _snapshot(want), text
        catalog._check_lines(text, "x")  # what the fast path reads needs no syntax check
    if got is not None:
        assert want is not None, text
        assert _snapshot(got) == _snapshot(want), text
    return fast is not None


_PIECES = st.sampled_from(["国家移民管理局", "打击", " ", "  ", "-", "a", "word", "<1>", "</1>", "\\", '"', "\\n",
                           "\n", "\t", "\r", "\v", "\f", "\b", "\x1c", "\u2028", "\u2029", "\x85", "\u3000",
                           "\xa0", "é", "。", ":", "#", "#~ ", '"\n"', "msgid"])
_TEXT = st.lists(_PIECES, max_size=30).map("".join)
_PLAIN_COMMENT = st.lists(st.sampled_from(["<p> in ", '"', "标题", " ", "-", "x" * 30, "Placeholder <1> = <a>",
                                           "#", ",", ":", "~", "|", "\\"]), max_size=10).map("".join)
_COMMENT = st.one_of(_PLAIN_COMMENT, _PLAIN_COMMENT, st.lists(st.sampled_from(
    ["<p> in ", " ", "\t", "\u3000", "\u2028", "\x85", "#", ",", ":", "~", "|"]), max_size=6).map("".join))


@st.composite
def _entries(draw):
    entry = polib.POEntry(
        msgid=draw(_TEXT), msgstr=draw(_TEXT),
        comment="\n".join(draw(st.lists(_COMMENT, max_size=3))),
        tcomment="\n".join(draw(st.lists(_COMMENT, max_size=3))),
        occurrences=[(draw(st.sampled_from(["source/a.html", "b c.html", "x*y-z.html", "", "a:b"])),
                      str(draw(st.integers(0, 99))) if draw(st.booleans()) else "")
                     for _ in range(draw(st.integers(0, 8)))],
        flags=draw(st.lists(st.sampled_from(["fuzzy", "python-format", " odd ", ""]), max_size=3)),
        obsolete=draw(st.booleans()))
    if draw(st.booleans()):
        entry.previous_msgid = draw(_TEXT)
    if draw(st.integers(0, 29)) == 0:  # polib reads these (rare: most catalogs take the fast path)
        entry.msgctxt = draw(_TEXT)
    if draw(st.integers(0, 29)) == 0:
        entry.msgid_plural, entry.msgstr_plural = draw(_TEXT), {0: draw(_TEXT), 1: ""}
    return entry


@settings(max_examples=400, deadline=None)
@given(entries=st.lists(_entries(), max_size=5), header=st.one_of(st.just("Template"), _COMMENT), fuzzy=st.booleans(),
       width=st.sampled_from([78, 78, 40, 0]))
def test_written_catalogs(entries, header, fuzzy, width):
    po = polib.POFile(wrapwidth=width)
    po.header = header
    po.metadata = {"Project-Id-Version": "doc", "Content-Type": "text/plain; charset=UTF-8"}
    po.metadata_is_fuzzy = fuzzy
    po.extend(entries)
    _same_as_polib(powriter.render(po))


_LINE = _PLAIN_COMMENT.map(str.rstrip)


@st.composite
def _plain_entries(draw):
    """Entries that polib writes in the layout of the fast path, with any message text."""
    obsolete = draw(st.booleans())
    return polib.POEntry(
        msgid=draw(_TEXT), msgstr=draw(_TEXT), obsolete=obsolete,
        comment="\n".join(draw(st.lists(_LINE.filter(bool), max_size=3))),
        tcomment="\n".join(draw(st.lists(_LINE, max_size=3))),
        occurrences=[(draw(st.sampled_from(["source/a.html", "b c.html", "x*y-z.html", "a:b", "long-" * 20])),
                      str(draw(st.integers(0, 99))) if draw(st.booleans()) else "")
                     for _ in range(draw(st.integers(0, 8)))],
        flags=draw(st.lists(st.sampled_from(["fuzzy", "python-format", "no-wrap"]), max_size=2, unique=True)),
        previous_msgid=None if obsolete or draw(st.booleans()) else draw(_TEXT))


@settings(max_examples=300, deadline=None)
@given(entries=st.lists(_plain_entries(), max_size=6, unique_by=lambda e: e.msgid),
       header=st.sampled_from(["", "Template", "Template\n\nmore", "\nx"]), fuzzy=st.booleans())
def test_written_catalogs_take_the_fast_path(entries, header, fuzzy):
    po = polib.POFile(wrapwidth=catalog.WRAP)
    po.header = header
    po.metadata = {"Project-Id-Version": "doc", "Content-Type": "text/plain; charset=UTF-8"}
    po.metadata_is_fuzzy = fuzzy
    po.extend(e for e in entries if e.msgid)
    assert _same_as_polib(powriter.render(po))


_HEAD = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
# Fuzzy, untranslated and obsolete entries, with previous msgids: one of them is translated and in use.
_MIXED = (_HEAD + '#, fuzzy\n#| msgid "old"\nmsgid "a"\nmsgstr ""\n\n#, fuzzy\n#| msgid "older"\nmsgid "b"\n'
          'msgstr "B"\n\n#| msgid "gone"\n#~ msgid "c"\n#~ msgstr "C"\n\n#~ msgid "d"\n#~ msgstr ""\n')
# Layouts at the edges of the fast path: (text, read by the fast path?)
EDGES = [
    (_HEAD + '#. a\n#: f.html:1 g.html\n#, fuzzy, c-format\nmsgid "x"\nmsgstr "y"\n', True),
    (_HEAD + 'msgid ""\n"a "\n"b\\n"\n"\\"c\\\\"\nmsgstr ""\n"d\\t"\n"e"\n', True),
    ("# header\n#\n# more\n" + _HEAD + '#\n# \n#\n# t\n#\n# \n# u\nmsgid "x"\nmsgstr ""\n', True),
    (_HEAD + '#  \nmsgid "x"\nmsgstr ""\n', False),
    (_HEAD + '#. a\n#. \nmsgid "x"\nmsgstr ""\n', False),  # polib drops an empty "#. " line
    ("#\n# header\n" + _HEAD + '#\n#\n# t\nmsgid "x"\nmsgstr ""\n', True),  # polib drops leading empty lines
    (_HEAD + '#, fuzzy\n#| msgid "old"\n#| "er"\nmsgid "x"\nmsgstr "y"\n', True),
    (_HEAD + '# t\n#, fuzzy\n#~ msgid "x"\n#~ "y"\n#~ msgstr "z"\n#~ "w"\n', True),
    (_HEAD + '#| msgid "old"\n#~ msgid "x"\n#~ msgstr "z"\n', True),
    (_HEAD + '#, fuzzy\n#~| msgid "old"\n#~ msgid "x"\n#~ msgstr "z"\n', False),  # polib skips "#~|"
    (_HEAD + 'msgid "x"\nmsgstr "z"\n\n#~ msgid "x"\n#~ msgstr "old"\n', False),  # polib: duplicate
    (_HEAD + '#~ msgid "x"\n#~ msgstr "old"\n\nmsgid "x"\nmsgstr "z"\n', True),  # but not this way round
    ('#~ msgid ""\n#~ msgstr "old"\n\n' + _HEAD, True),  # obsolete: not the header
    (_HEAD + 'msgid "a\u2028b\x85c\x1cd\u2029"\nmsgstr "\u3000e\xa0"\n', True),
    (_HEAD + '#. a\u2028\nmsgid "x"\nmsgstr ""\n', False),  # polib strips U+2028 off the line
    (_HEAD + '#. a \nmsgid "x"\nmsgstr ""\n', False),
    (_HEAD + '#.  a\n#:  f.html:1\t g.html:2\nmsgid "x"\nmsgstr ""\n', True),
    (_HEAD + '#.\n#:\n#,\nmsgid "x"\nmsgstr ""\n', False),
    (_HEAD + 'msgid "x"\r\nmsgstr ""\r\n', False),
    ("\ufeff" + _HEAD + 'msgid "x"\nmsgstr ""\n', False),
    (_HEAD + 'msgid "x"\nmsgstr ""', True),  # no newline at the end
    (_HEAD + 'msgid "x"\nmsgstr ""\n\n\n', False),
    (_HEAD + '\n\nmsgid "x"\nmsgstr ""\n', False),
    (_HEAD + '#: a\n#. b\nmsgid "x"\nmsgstr ""\n', False),  # comments in another order
    (_HEAD + 'msgid "x"\nmsgstr ""\n#. trailing\n', False),
    (_HEAD + 'msgid "x"\nmsgstr ""\n\nmsgid "x"\nmsgstr "dup"\n', False),
    (_HEAD + 'msgid  "x"\nmsgstr\t"y"\n', False),
    (_HEAD + 'msgid "a\\qb\\\\"\nmsgstr "\\\\\\""\n', True),  # unknown escape kept, as polib
    (_HEAD + 'msgctxt "c"\nmsgid "x"\nmsgstr ""\n', False),
    (_HEAD + 'msgid "x"\nmsgid_plural "xs"\nmsgstr[0] ""\nmsgstr[1] ""\n', False),
    ("", True),
    ('msgid "no header"\nmsgstr ""\n', True),
    # For reading translated entries only: what it skips still counts.
    (_HEAD + 'msgid "a"\nmsgstr ""\n\nmsgid "b"\nmsgstr "B"\n\nmsgid "a"\nmsgstr ""\n', False),  # duplicate
    (_HEAD + 'msgid "a"\nmsgstr ""\n\n#~ msgid "a"\nmsgstr "old"\n', False),  # duplicate, obsolete
    (_HEAD + 'msgid "a"\nmsgstr "A"\n\n#, fuzzy\n#~ msgid "a"\n#~ msgstr ""\n', False),
    (_MIXED, True),
    (_HEAD + '# pipeline-mt: {"engine": "x"}\n#, fuzzy\nmsgid "a"\nmsgstr "A"\n\n'
     '# reviewed-by: me\nmsgid "b"\nmsgstr "B"\n\n# t\n#. c\n#: f.html:1\nmsgid "c"\nmsgstr ""\n', True),
    (_HEAD + 'msgid ""\n"a"\nmsgstr ""\n""\n\nmsgid "b"\nmsgstr " "\n\nmsgid "c"\nmsgstr "\\n"\n', True),
    (_HEAD + 'msgid "x"\nmsgid_plural "xs"\nmsgstr[0] "X"\nmsgstr[1] ""\n\n'
     'msgid "y"\nmsgid_plural "ys"\nmsgstr[0] ""\nmsgstr[1] ""\n\nmsgid "z"\nmsgstr "Z"\n', False),
    (_HEAD + 'msgctxt "c"\nmsgid "x"\nmsgstr "X"\n\nmsgctxt "d"\nmsgid "x"\nmsgstr ""\n\nmsgid "x"\nmsgstr ""\n', False),
    ('# head\n#, fuzzy\nmsgid ""\nmsgstr ""\n\nmsgid "a"\nmsgstr ""\n\nmsgid "b"\nmsgstr "B"\n', True),  # empty header
    ('# head\nmsgid "a"\nmsgstr ""\n\n' + _HEAD + '# t\nmsgid "b"\nmsgstr "B"\n', True),  # header not first
    ('#~ msgid "a"\n#~ msgstr "A"\n\nmsgid "b"\nmsgstr "B"\n', True),
]


@pytest.mark.parametrize("text,fast", EDGES, ids=range(len(EDGES)))
def test_edges(text, fast):
    assert _same_as_polib(text) == fast


@pytest.mark.parametrize("path", sorted(ROOT.glob("locales/**/*.po")) + sorted(ROOT.glob("locales/*.pot")),
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_repository_catalogs_take_the_fast_path(path):
    assert _same_as_polib(path.read_text(encoding="utf-8"))


_FIELDS = st.fixed_dictionaries({}, optional={
    "msgid": st.text(max_size=5), "msgstr": st.text(max_size=5), "comment": st.text(max_size=5),
    "tcomment": st.text(max_size=5), "occurrences": st.lists(st.tuples(st.text(max_size=3), st.text(max_size=3))),
    "flags": st.lists(st.text(max_size=5)), "previous_msgid": st.none() | st.text(max_size=5),
    "obsolete": st.booleans() | st.integers(0, 1), "linenum": st.none() | st.integers(0, 99)})


@given(_FIELDS)
def test_entries_are_polib_entries(fields):
    """The same fields as polib's, set in the same order (the order lets the dicts of all
    entries share their keys, which keeps reading them fast)."""
    msgid, msgstr = fields.pop("msgid", ""), fields.pop("msgstr", "")
    e = poreader.new_entry(msgid, msgstr, **fields)
    want = polib.POEntry(msgid=msgid, msgstr=msgstr, **fields)
    assert type(e) is polib.POEntry and vars(e) == vars(want) and list(vars(e)) == list(vars(want))
    assert poreader.new_entry().msgstr_plural is not poreader.new_entry().msgstr_plural
    assert poreader.new_entry().flags is not poreader.new_entry().flags


_PLURAL_HEAD = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Plural-Forms: {}\\n"\n\n'
# Catalogs that catalog.load refuses, and where (line) it says the error is.
BAD = [
    # A duplicate among untranslated entries, and of an obsolete one.
    (_HEAD + 'msgid "a"\nmsgstr ""\n\nmsgid "b"\nmsgstr "B"\n\nmsgid "a"\nmsgstr ""\n', "x.po:11"),
    (_HEAD + 'msgid "a"\nmsgstr "A"\n\n#~ msgid "a"\n#~ msgstr ""\n', "x.po:8"),
    (_HEAD + 'msgid "a"\nmsgstr ""\n\nmsgid "b\nmsgstr "B"\n', "x.po:8"),
    (_HEAD + 'msgid "a"\nmsgstr ""\n\nmsgid "b"\nmsgstr "B\n', "x.po:9"),
    (_HEAD + 'msgid "a"\nmsgstr ""\n\nmsgid "b"\nmsgstr "B"\nmsgstr "C"\n', "x.po:10"),
    (_HEAD.replace("UTF-8", "ISO-8859-1") + 'msgid "a"\nmsgstr ""\n', "x.po:3"),
    (_PLURAL_HEAD.format("nplurals=2; plural=exec();") + 'msgid "a"\nmsgstr ""\n', "x.po:4"),
    (_HEAD + 'msgid "a"\nmsgstr ""\n\nmsgid "b"\nmsgstr "\xe9"\n', "x.po:9"),  # written in Latin-1
    (_HEAD + 'msgid "a"\nmsgstr ""\n\nmsgid "b\x00"\nmsgstr "B"\n', "x.po"),
]


@pytest.mark.parametrize("text,where", BAD, ids=range(len(BAD)))
def test_translated_only_gives_the_same_errors(tmp_path, text, where):
    path = tmp_path / "x.po"
    path.write_bytes(text.encode("latin-1" if "\xe9" in text else "utf-8"))
    errors = []
    for translated_only in (False, True):
        with pytest.raises(CatalogError) as e:
            catalog.load(path, "x.po", translated_only=translated_only)
        errors.append((e.value.where, e.value.message))
    assert errors[0] == errors[1]
    assert errors[0][0] == where, errors[0]


def test_translated_only_keeps_only_translated_entries():
    text = catalog._POText(_MIXED)
    po = poreader.read_as_written(text, wrapwidth=catalog.WRAP, translated_only=True)
    assert [(e.msgid, e.msgstr, e.flags, e.previous_msgid, e.linenum) for e in po] == [("b", "B", ["fuzzy"], "older", 10)]
