"""The fast catalog writer gives exactly polib's text: on every catalog in the repository and
on random entries (hypothesis)."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from hypothesis import given, settings, strategies as st

from pipeline import powriter

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = sorted(p for pattern in ("locales/**/*.po", "locales/*.pot", "tests/**/*.po", "tests/**/*.pot")
                  for p in ROOT.glob(pattern))


def _readable(path: Path) -> polib.POFile | None:
    try:
        return polib.pofile(str(path), wrapwidth=78)
    except (OSError, ValueError, UnicodeDecodeError):
        return None  # the malformed inputs of the error tests


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_repository_catalogs(path):
    po = _readable(path)
    if po is None:
        pytest.skip("not a catalog polib reads")
    for width in (78, 40, 200):
        po.wrapwidth = width
        assert powriter.render(po) == po.__unicode__()


# Text that exercises the shortcuts and their limits: CJK runs, spaces, hyphens, escapes,
# line breaks of every kind str.splitlines knows, placeholders.
_PIECES = st.sampled_from(["国家移民管理局", "打击", " ", "  ", "-", "--", "a", "word", "<1>", "</1>", "<2/>",
                           "\\", '"', "\n", "\t", "\r", "\v", "\f", "\x1c", "\u2028", "\x85", "é", "。", ":"])
_TEXT = st.lists(_PIECES, max_size=40).map("".join)
_LONG = st.lists(_PIECES, min_size=20, max_size=80).map("".join)
_COMMENT = st.lists(st.sampled_from(["<p> in ", '"', "标题", " ", "-", "x" * 30, "Placeholder <1> = <a>",
                                     "pipeline-mt: {\"engine\": \"argos\"}", "\t"]), max_size=12).map("".join)


@st.composite
def _entries(draw):
    entry = polib.POEntry(
        msgid=draw(st.one_of(_TEXT, _LONG)), msgstr=draw(st.one_of(_TEXT, _LONG)),
        comment="\n".join(draw(st.lists(_COMMENT, max_size=3))),
        tcomment="\n".join(draw(st.lists(_COMMENT, max_size=3))),
        occurrences=[(f"source/{draw(st.sampled_from(['a', 'long-name-with-hyphens' * 2]))}.html",
                      str(draw(st.integers(0, 9999))) if draw(st.booleans()) else "")
                     for _ in range(draw(st.integers(0, 6)))],
        flags=draw(st.lists(st.sampled_from(["fuzzy", "python-format", "no-wrap"]), max_size=2, unique=True)),
        obsolete=draw(st.booleans()))
    if draw(st.booleans()):
        entry.previous_msgid = draw(st.one_of(_TEXT, _LONG))
    if draw(st.integers(0, 9)) == 0:
        entry.msgctxt = draw(_TEXT)
    return entry


@settings(max_examples=300, deadline=None)
@given(entries=st.lists(_entries(), max_size=5), header=_COMMENT, width=st.sampled_from([78, 78, 50, 0, -1]),
       fuzzy=st.booleans())
def test_random_entries(entries, header, width, fuzzy):
    po = polib.POFile(wrapwidth=width)
    po.header = header
    po.metadata = {"Project-Id-Version": "doc", "Content-Type": "text/plain; charset=UTF-8"}
    po.metadata_is_fuzzy = fuzzy
    po.extend(entries)
    assert powriter.render(po) == po.__unicode__()


@pytest.mark.parametrize("fill", ["汉", "a b", "x-y", 'q"'])
def test_lengths_around_the_line_width(fill):
    """Every length near where polib starts wrapping, for each field the writer shortcuts."""
    po = polib.POFile(wrapwidth=78)
    for n in range(60, 90):
        text = (fill * 90)[:n]
        po.append(polib.POEntry(msgid=text, msgstr=text, previous_msgid=text, comment=text, tcomment=text,
                                occurrences=[("source/a.html", str(n))] * (n // 20)))
        po.append(polib.POEntry(msgid=text + "!", msgstr=text, previous_msgid=text, obsolete=True))
    assert powriter.render(po) == po.__unicode__()


@settings(max_examples=300, deadline=None)
@given(occurrences=st.lists(st.tuples(
    st.lists(st.sampled_from(["source/", "a", "long-name-", "x" * 40, "*", " ", ":", "é", "\u3000", "\t", "-"]),
             max_size=6).map("".join),
    st.sampled_from(["", "1", "12345"])), max_size=12), width=st.sampled_from([78, 40, 30]))
def test_references(occurrences, width):
    """References wrap as polib wraps them (through textwrap, hyphens kept whole, "*" read as "-")."""
    po = polib.POFile(wrapwidth=width)
    po.append(polib.POEntry(msgid="a", occurrences=occurrences))
    po.append(polib.POEntry(msgid="b", occurrences=occurrences, obsolete=True, msgstr="x"))
    assert powriter.render(po) == po.__unicode__()
