"""The fast paths of extract and update give exactly what the slower code they replace gives:
each is compared with that code (kept here, or still in use elsewhere) on random inputs."""

from __future__ import annotations

import itertools
import json
import re
import textwrap
from pathlib import Path

import polib
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pipeline import catalog, document, powriter, sentences, unitmap
from pipeline.placeholders import Tag, renumber
from pipeline.segment import Segment, new_segment
from pipeline.sentences import TAG_STAND_IN

MANY = settings(derandomize=True, deadline=None, max_examples=400, database=None,
                suppress_health_check=[HealthCheck.too_slow])


# --- document._numbered: one pass instead of a token list and placeholders.renumber ----------

def _tokens(text: str, tags: list[Tag]) -> list:
    """The token list the walk made before _numbered (texts and tags, in order)."""
    texts = text.split(TAG_STAND_IN)
    tokens = [texts[0]] if texts[0] else []
    for tag, t in zip(tags, texts[1:]):
        tokens.append(tag)
        if t:
            tokens.append(t)
    return tokens


_PIECE = st.lists(st.sampled_from(["", "汉字", "a", " ", "\\", "\\\\", "<", "<1>", "</2>", "<3/>", "\\<", "x y"]),
                  max_size=4).map("".join)


@st.composite
def _marked(draw):
    """A sentence as the walk gives it: texts with the stand-in for each tag, tag numbers unique
    per kind as in a unit (an open and its close share one)."""
    numbers = draw(st.lists(st.integers(1, 30), min_size=1, max_size=8))
    tags = [Tag(draw(st.sampled_from(["open", "close", "void"])), n) for n in numbers]
    texts = [draw(_PIECE) for _ in range(len(tags) + 1)]
    return TAG_STAND_IN.join(texts), tags


@MANY
@given(_marked())
def test_numbered_is_renumber_of_the_tokens(marked):
    text, tags = marked
    tokens = _tokens(text, tags)
    msgid, back = renumber(tokens)
    assert document._numbered(text, tags) == (msgid, back)


# --- sentences.split_marked: one sentence end, as the last character --------------------------

_SENTENCE = st.lists(st.sampled_from(["国门", "安全", "Dr", " ", "\u3000", "“", "”", "（", "）", "\"", "'", "’",
                                      TAG_STAND_IN, "。", "！", "?", ".", "…", "a"]), max_size=12).map("".join)


@MANY
@given(_SENTENCE, st.sampled_from(sorted(sentences.TERMINATORS)), st.data())
def test_split_marked_shortcut_is_the_scan(body, end, data):
    for text in (body + end, body):
        count = text.count(TAG_STAND_IN)
        tags = [Tag(data.draw(st.sampled_from(["open", "close", "void"])), i + 1) for i in range(count)]
        positions = [i for i, c in enumerate(text) if c == TAG_STAND_IN]
        cuts = sentences._sentence_starts(text, dict(zip(positions, tags)))
        scanned = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]
        assert sentences.split_marked(text, tags) == scanned


# --- powriter: the header entry, the test for fields polib must write, the chunks of wrapping -

_VALUE = st.lists(st.sampled_from(["UTF-8", "x", " ", '"', "\\", "\n", "\t", "\r", "\x85", "\u2028", "é", "汉",
                                   "<a@b>", "-"]), max_size=6).map("".join)


@MANY
@given(st.dictionaries(st.sampled_from(["Project-Id-Version", "Language", "POT-Creation-Date", "X-Generator",
                                        "X-Zz", "X-a10", "X-a9", "Plural-Forms"]), _VALUE, max_size=8),
       st.booleans(), st.sampled_from([78, 30, 200]))
def test_header_entry_is_polibs(metadata, fuzzy, width):
    po = polib.POFile(wrapwidth=width)
    po.metadata = metadata
    po.metadata_is_fuzzy = fuzzy
    assert powriter._header_entry(po, width) == po.metadata_as_entry().__unicode__(width)


@MANY
@given(st.text(alphabet=st.sampled_from(list(" a汉\"\\\t\n\r\v\f\b\x1c\x85\u2028\u2029\u3000\u00a0\x00")), max_size=12))
def test_printable_fields_need_no_polib(value):
    """The shortcut in _field: a printable value without quote or backslash is not slow."""
    if value.isprintable() and '"' not in value and "\\" not in value:
        assert not powriter._SLOW_FIELD_RE.search(value)


@MANY
@given(st.text(alphabet=st.sampled_from(list(" a汉-")), max_size=30), st.integers(3, 20))
def test_chunks_and_wrapping_are_textwraps(text, width):
    want = [c for c in re.split("( +)", text) if c]
    want.reverse()
    assert powriter._chunks(text) == want
    text = text.replace("-", "")
    assert powriter._wrap(text, width) == textwrap.wrap(text, width, drop_whitespace=False,
                                                         break_long_words=False)


# --- unitmap.encode -------------------------------------------------------------------------

def _encode_as_before(map_key, tree, units) -> bytes | None:
    """unitmap.encode before its columns were made with lists rather than generators."""
    number = dict(zip(tree.iter(), itertools.count()))
    sentences_ = [s for u in units for s in u.sentences]
    msgids = unitmap.SEPARATOR.join(s.msgid for s in sentences_)
    if msgids.count(unitmap.SEPARATOR) != max(len(sentences_) - 1, 0):
        return None
    data = {
        "format": unitmap.FORMAT, "key": map_key, "nodes": len(number),
        "element": [number[u.element] for u in units],
        "attr": [u.attr for u in units],
        "prev": [None if u.prev is None else number[u.prev] for u in units],
        "child_count": [len(u.children) for u in units],
        "children": [number[c] for u in units for c in u.children],
        "sentence_count": [len(u.sentences) for u in units],
        "msgids": msgids,
        "translatable": "".join("1" if s.translatable else "0" for s in sentences_),
        "placeholder_count": [len(s.elements) for s in sentences_],
        "placeholders": [x for s in sentences_ for n, e in s.elements.items() for x in (n, number[e])],
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("path", sorted((ROOT / "tests" / "golden" / "extract").glob("*.html"))
                         + sorted((ROOT / "source").glob("*.html")), ids=lambda p: p.name)
def test_encode_is_as_before(path):
    data = path.read_bytes()
    tree = document.parse(data, path.name)
    units = document.units(tree)
    assert unitmap.encode("k", tree, units) == _encode_as_before("k", tree, units)


# --- segment.new_segment ----------------------------------------------------------------------

@MANY
@given(st.text(max_size=5), st.integers(0, 99), st.lists(st.text(max_size=3), max_size=2).map(tuple),
       st.lists(st.text(max_size=3), max_size=2).map(tuple))
def test_new_segment_is_the_dataclass(msgid, line, notes, legend):
    made = new_segment(msgid, "source/a.html", line, "<p>", notes, legend)
    want = Segment(msgid=msgid, path="source/a.html", line=line, context="<p>", notes=notes, placeholders=legend)
    assert made == want and hash(made) == hash(want) and repr(made) == repr(want)
    with pytest.raises(AttributeError):
        made.msgid = "changed"  # still frozen


# --- catalog.text_to_save: rendered once ------------------------------------------------------

def _text_to_save_twice(po: polib.POFile, path: Path, *, date_key: str) -> str | None:
    """text_to_save as it was: rendered with the old date to compare, then with the new one."""
    try:
        old_text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        old_text = None
    if old_text is not None:
        m = re.search(rf'"{date_key}: ([^"\\]*)\\n"', old_text)
        if m:
            po.metadata[date_key] = m.group(1)
        if catalog._masked(catalog.render(po)) == catalog._masked(old_text):
            return None
    po.metadata[date_key] = catalog.stamp()
    return catalog.render(po)


def _catalog(msgids: list[str], date: str, extra: dict | None) -> polib.POFile:
    po = polib.POFile(wrapwidth=catalog.WRAP)
    # (extra None: a header of the date alone, which polib may wrap)
    po.metadata = {"PO-Revision-Date": date} if extra is None else {
        "Project-Id-Version": "doc", "PO-Revision-Date": date, **extra}
    po.extend(polib.POEntry(msgid=m, msgstr="") for m in msgids)
    return po


_DATE = st.sampled_from(["2026-01-01 00:00+0000", "", "YEAR-MO-DA HO:MI+ZONE", "x\ty", "a\nb", "a\u2028b",
                         "q\"", "b\\", "\x85"])


@settings(derandomize=True, deadline=None, max_examples=300, database=None)
@given(st.lists(st.sampled_from(["一", "二", "PO-Revision-Date: 1\n", "a\"b"]), max_size=3, unique=True),
       st.one_of(st.none(), st.lists(st.sampled_from(["一", "二", "三"]), max_size=3, unique=True)), _DATE, _DATE,
       st.sampled_from([{}, {"Language": "en"}, None]), st.sampled_from(["", " ", "\t", "a " * 30]))
def test_text_to_save_renders_once_with_the_same_result(tmp_path_factory, old_ids, new_ids, old_date, date,
                                                        extra, hand_edit):
    """Also for hand edits after the date's name: a raw tab (which polib would write escaped)
    and a date so long that polib would wrap a header of the date alone. ``new_ids`` None: the
    same entries as before."""
    new_ids = old_ids if new_ids is None else new_ids
    path = tmp_path_factory.mktemp("po") / "a.po"
    old = _catalog(old_ids, old_date, extra)
    text = catalog.render(old)
    text = text.replace('"PO-Revision-Date: ', f'"PO-Revision-Date: {hand_edit}', 1)
    path.write_text(text, encoding="utf-8")
    fast, slow = _catalog(new_ids, date, extra), _catalog(new_ids, date, extra)
    assert catalog.text_to_save(fast, path, date_key="PO-Revision-Date") == \
        _text_to_save_twice(slow, path, date_key="PO-Revision-Date")
    assert fast.metadata == slow.metadata


def test_language_metadata_is_a_fresh_dict_each_time():
    first = catalog.language_metadata("ar")
    del first["Plural-Forms"]  # as merge does for a team's own choice
    assert catalog.language_metadata("ar")["Plural-Forms"].startswith("nplurals=6;")
    assert catalog.english_name("zh-Hant") == "Chinese (Traditional)"
