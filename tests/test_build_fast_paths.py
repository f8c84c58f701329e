"""The build's shortcuts give exactly what the general code they skip gives (hypothesis)."""

from __future__ import annotations

import copy
import dataclasses
import importlib.util
import re
from pathlib import Path

import lxml.etree as etree
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pipeline import build, document, edition, placeholders
from pipeline.errors import PipelineError

ROOT = Path(__file__).resolve().parent.parent

FAST = settings(derandomize=True, deadline=None, max_examples=300, database=None,
                suppress_health_check=[HealthCheck.too_slow])
# Texts made of the characters that matter to placeholders, escapes and malformed ones.
PIECES = st.sampled_from(["<1>", "</1>", "<2/>", "<3>", "</3>", "< 1>", "<1", "</ 2 >", "\\", "\\<",
                          "\\\\", "<", ">", "/", "1", "a", "中", "。", " ", "\n", "\x01"])
TEXT = st.lists(PIECES, max_size=10).map("".join)


@FAST
@given(TEXT)
def test_tokenize_shortcut_is_the_scan(s):
    assert placeholders.tokenize(s) == placeholders._scan(s)


def _problems(msgid: str, msgstr: str) -> list[str]:
    """translation_problems without the shortcut of placeholders.problems."""
    found = placeholders._compare(msgid, msgstr)
    if edition.BAD_CHARS_RE.search(msgstr):
        found.append("control or non-character code point in the translation")
    return found


@FAST
@given(TEXT, TEXT)
def test_problems_as_without_the_shortcut(msgid, msgstr):
    assert edition.translation_problems(msgid, msgstr) == _problems(msgid, msgstr)
    assert edition.translation_problems(msgid, msgid) == _problems(msgid, msgid)


def _serialized_as_text(tree) -> bytes:
    """serialize as it was: through text, decoded from lxml's UTF-8 and encoded again."""
    text = etree.tostring(tree, doctype="<!DOCTYPE html>", encoding="unicode", method="html")
    text = re.sub(r'<meta http-equiv="Content-Type"[^>]*>', "", text)
    return (text.rstrip("\n") + "\n").encode("utf-8")


HEADS = st.sampled_from(['<meta content="text/html; charset=latin-1" http-equiv="Content-Type">',
                         '<meta http-equiv="content-type" content="text/html; charset=gbk">',
                         '<meta http-equiv="Content-Type" content="text/html">', '<meta charset="latin-1">', ""])
CHARS = st.lists(st.sampled_from(["&nbsp;", "é", "©", "\u2028", "\u0085", "&amp;", "&lt;", "&gt;", '"', "'",
                                  "中", "\U0001F600", "\t", "\r", "&#xfffd;", "\u00ad", "&#x80;", "a", " "]),
                 max_size=12).map("".join)


@FAST
@given(HEADS, CHARS, CHARS, st.booleans())
def test_serialize_gives_the_bytes_of_the_text(head, text, attr, bare):
    html = (f"<p>{text}</p>" if bare else
            f'<html><head>{head}<title>{text}</title></head><body><p title="{attr}">{text}</p>'
            f"<script>{text}</script><textarea>{text}</textarea><pre>\n{text}</pre></body></html>\n\n")
    tree = document.parse(html.encode("utf-8"), "x.html")
    assert edition.serialize(tree) == _serialized_as_text(tree)


PAGES = pytest.mark.parametrize("path", sorted(ROOT.glob("tests/**/*.html")),
                                ids=lambda p: p.relative_to(ROOT).as_posix())


def _page(path: Path):
    """The parsed tree of a test page (the test is skipped for one the build refuses)."""
    try:
        return document.parse(path.read_bytes(), path.name)
    except PipelineError:
        pytest.skip("not a page the build takes")


@PAGES
def test_serialize_gives_the_bytes_of_the_text_on_pages(path):
    tree = _page(path)
    assert edition.serialize(tree) == _serialized_as_text(tree)


def test_serialize_gives_the_bytes_of_the_text_on_benchmark_pages(tmp_path):
    """The first 50 pages of the benchmark corpus (generated here, as bench/ makes them)."""
    spec = importlib.util.spec_from_file_location("make_corpus", ROOT / "bench" / "make_corpus.py")
    make_corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_corpus)
    for path in make_corpus.make(tmp_path, 50):
        tree = document.parse(path.read_bytes(), path.name)
        assert edition.serialize(tree) == _serialized_as_text(tree), path.name


def _units_of_copy_by_replace(units, tree, twin_tree):
    """build._units_of_copy as it was, with dataclasses.replace."""
    twin = dict(zip(tree.iter(), twin_tree.iter()))
    return [dataclasses.replace(
                u, element=twin[u.element], prev=None if u.prev is None else twin[u.prev],
                children=[twin[c] for c in u.children],
                sentences=[dataclasses.replace(s, elements={n: twin[e] for n, e in s.elements.items()})
                           for s in u.sentences])
            for u in units]


@PAGES
def test_units_of_copy_as_with_replace(path):
    tree = _page(path)
    units, twin_tree = document.units(tree), copy.deepcopy(tree)
    got, want = build._units_of_copy(units, tree, twin_tree), _units_of_copy_by_replace(units, tree, twin_tree)
    assert got == want  # (elements compare by identity: the same nodes of the copy)
    assert [type(u) for u in got] == [type(u) for u in want]
    if units:
        assert all(u.element is not v.element for u, v in zip(got, units))
