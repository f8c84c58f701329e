"""Incremental and parallel runs: unchanged documents are neither parsed nor rewritten, one
changed document is redone alone, and a parallel run writes the bytes of a serial one."""

from __future__ import annotations

import importlib.util
import json
import random
import shutil
from pathlib import Path

import polib
import pytest

from pipeline import build, catalog, config, document, extract, incremental, poreader, update
from pipeline.errors import SourceError

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = """[tool.pipeline]
source_language = "zh-Hans"
target_languages = ["en", "fr"]
threshold = 0.0
"""


def _make_corpus():
    spec = importlib.util.spec_from_file_location("make_corpus", ROOT / "bench" / "make_corpus.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A project of six generated articles (links, images, lists, code, tables)."""
    root = tmp_path / "corpus"
    _make_corpus().make(root / "source", 6)
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    return root


def run_all(root: Path, jobs: int = 1):
    cfg = config.load(root, jobs=jobs)
    return (extract.extract(cfg), update.update(cfg, ("en", "fr")), build.build(cfg))


def outputs(root: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime) of every output: an atomic rewrite always gives a new inode."""
    out = {}
    for sub in ("locales", "site"):
        for p in sorted((root / sub).rglob("*")):
            if p.is_file():
                out[p.relative_to(root).as_posix()] = (p.stat().st_ino, p.stat().st_mtime_ns)
    return out


def contents(root: Path) -> dict[str, bytes]:
    """Every output and the state file (not the stat signatures: inodes and times are local)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for sub in ("locales", "site", ".pipeline-cache")
            for p in sorted((root / sub).rglob("*")) if p.is_file() and p.name != incremental.STAT_FILE}


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """Every document and catalog parsed from now on (stages run with jobs=1: in this process)."""
    seen: list[str] = []

    def counting(fn):
        def wrapper(data, where, *a, **kw):
            seen.append(str(where))
            return fn(data, where, *a, **kw)
        return wrapper

    monkeypatch.setattr(document, "parse", counting(document.parse))
    monkeypatch.setattr(catalog, "load", counting(catalog.load))
    return seen


def test_rerun_parses_nothing_and_rewrites_nothing(corpus, parsed):
    run_all(corpus, jobs=2)
    before = outputs(corpus)
    assert len([p for p in before if p.startswith("site/en/")]) == 6
    parsed.clear()
    ex, up, bu = run_all(corpus)
    assert parsed == []
    assert outputs(corpus) == before
    assert ex.written == up.written == bu.written == []
    assert ex.counts["documents"] == 6 and ex.counts["entries"] > 0
    assert up.counts["kept"] == 2 * ex.counts["entries"] and up.counts["new"] == 0
    assert bu.counts["editions"] == 18


def test_changing_one_document_redoes_that_document_only(corpus, parsed):
    run_all(corpus)
    doc = corpus / "source" / "article-0003.html"
    doc.write_text(doc.read_text(encoding="utf-8").replace("</article>", "<p>本文已更新。</p></article>"),
                   encoding="utf-8")
    before = outputs(corpus)
    parsed.clear()
    run_all(corpus)
    assert parsed and all(Path(p).stem == "article-0003" for p in parsed), parsed
    rewritten = sorted(k for k, v in outputs(corpus).items() if before.get(k) != v)
    assert rewritten == ["locales/article-0003.pot", "locales/en/LC_MESSAGES/article-0003.po",
                         "locales/fr/LC_MESSAGES/article-0003.po", "site/en/article-0003.html",
                         "site/fr/article-0003.html", "site/zh-Hans/article-0003.html"]
    assert "本文已更新。" in (corpus / "locales/en/LC_MESSAGES/article-0003.po").read_text(encoding="utf-8")


def test_parallel_run_writes_the_bytes_of_a_serial_run(corpus, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(corpus / "source", other / "source")
    shutil.copy(corpus / "pyproject.toml", other / "pyproject.toml")
    assert incremental.workers(2, 6) == 2
    run_all(corpus, jobs=1)
    run_all(other, jobs=2)
    serial, parallel = contents(corpus), contents(other)
    assert len(serial) > 30 and serial == parallel


def test_edited_catalog_and_deleted_edition_are_redone(corpus, parsed):
    run_all(corpus)
    po_file = corpus / "locales/en/LC_MESSAGES/article-0001.po"
    po = catalog.load(po_file, "po")
    entry = next(e for e in po if e.msgid.endswith("。") and "<" not in e.msgid)
    entry.msgstr = "A reviewed sentence."
    po.save(str(po_file))
    (corpus / "site/fr/article-0004.html").unlink()
    before = outputs(corpus)
    parsed.clear()
    run_all(corpus)
    rewritten = sorted(k for k, v in outputs(corpus).items() if before.get(k) != v)
    # The catalog is merged again (nothing to change in it); the index shows the new coverage.
    assert rewritten == ["site/en/article-0001.html", "site/fr/article-0004.html", "site/index.html"]
    assert "locales/en/LC_MESSAGES/article-0001.po" in parsed
    assert "A reviewed sentence." in (corpus / "site/en/article-0001.html").read_text(encoding="utf-8")


def test_damaged_state_file_costs_one_full_run_only(corpus, parsed):
    run_all(corpus)
    state = corpus / ".pipeline-cache" / incremental.STATE_FILE
    assert json.loads(state.read_text(encoding="utf-8"))["format"] == incremental.FORMAT
    state.write_text("{not json", encoding="utf-8")
    before = outputs(corpus)
    parsed.clear()
    run_all(corpus)
    assert len([p for p in parsed if p.endswith(".html")]) >= 6  # everything parsed again ...
    assert outputs(corpus) == before  # ... and nothing rewritten: the bytes are the same
    parsed.clear()
    run_all(corpus)
    assert parsed == []


def test_bad_document_in_a_parallel_run_writes_nothing(corpus):
    (corpus / "source" / "article-0002.html").write_bytes("<html><body><p>中文</p></body></html>".encode("gbk"))
    with pytest.raises(SourceError, match=r"source/article-0002.html:1: not valid UTF-8"):
        extract.extract(config.load(corpus, jobs=2))
    assert not (corpus / "locales").exists()
    assert not list((corpus / ".pipeline-cache").glob("staging-*"))


def _catalog_texts() -> list[str]:
    """Every catalog in the repository, and each of them with a few lines shuffled in."""
    texts = [p.read_text(encoding="utf-8") for pattern in ("locales/**/*.po", "locales/*.pot", "tests/**/*.po*")
             for p in sorted(ROOT.glob(pattern))]
    rng = random.Random(8)
    odd = ["#", "##x", "#,", "#:", "#: a:1 b c:x", "#, fuzzy, c-format", "# c", "#. x", 'msgid "a"',
           'msgstr "b"', '"c\\"d"', '"e"f"', 'msgid ""', "", "#~ msgid \"x\"", 'msgctxt "x"', '#| msgid "y"']
    for text in list(texts):
        lines = text.splitlines()
        for _ in range(10):
            mutated = list(lines)
            for _ in range(rng.randint(1, 3)):
                mutated.insert(rng.randrange(len(mutated) + 1),
                               rng.choice(odd + [rng.choice(lines)] if lines else odd))
            texts.append("\n".join(mutated))
    return texts


def _snapshot(po) -> tuple:
    return (po.header, po.metadata, po.metadata_is_fuzzy, po.wrapwidth, po.encoding, po.fpath,
            [sorted(vars(e).items()) for e in po])


def test_fast_reader_reads_exactly_what_polib_reads():
    fast = 0
    for text in _catalog_texts():
        got = poreader.read(text, wrapwidth=catalog.WRAP)
        if got is None:
            continue  # polib reads it (or reports its error)
        fast += 1
        want = polib.pofile(text, wrapwidth=catalog.WRAP, check_for_duplicates=True)
        assert _snapshot(got) == _snapshot(want), text[:300]
    assert fast > 20
