"""Stat signatures: an unchanged file is not read again, a touched one is hashed (and nothing
redone), a changed one is noticed even when its size and modification time are put back, and
a file changed within the current tick of the file system's clock is never trusted."""

from __future__ import annotations

import importlib.util
import json
import os
import time
from pathlib import Path

import pytest

from pipeline import build, catalog, config, document, extract, incremental, update

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = """[tool.pipeline]
source_language = "zh-Hans"
target_languages = ["en"]
threshold = 0.0
"""


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A project of four generated articles."""
    spec = importlib.util.spec_from_file_location("make_corpus", ROOT / "bench" / "make_corpus.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    root = tmp_path / "corpus"
    mod.make(root / "source", 4)
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    return root


def run_all(root: Path):
    # Past the last write's tick of the file system's clock: files are trusted only then.
    time.sleep(0.05)
    cfg = config.load(root, jobs=1)
    return extract.extract(cfg), update.update(cfg, ("en",)), build.build(cfg)


@pytest.fixture
def seen(monkeypatch, corpus) -> dict[str, list[str]]:
    """Files read to be hashed, and documents and catalogs parsed (project-relative paths)."""
    found: dict[str, list[str]] = {"read": [], "parsed": []}
    real_open = open

    def opening(path, *a, **kw):
        found["read"].append(Path(path).relative_to(corpus).as_posix())
        return real_open(path, *a, **kw)

    def reading(path, where):
        found["read"].append(where)
        return Path(path).read_bytes()

    def parsing(fn):
        def wrapper(data, where, *a, **kw):
            found["parsed"].append(str(where))
            return fn(data, where, *a, **kw)
        return wrapper

    def reading_file(path):
        found["read"].append(Path(path).relative_to(corpus).as_posix())
        return real_read_file(path)

    real_read_file = incremental.read_file
    monkeypatch.setattr(incremental, "open", opening, raising=False)
    monkeypatch.setattr(incremental, "read_file", reading_file)
    monkeypatch.setattr(incremental, "read_bytes", reading)
    monkeypatch.setattr(document, "parse", parsing(document.parse))
    monkeypatch.setattr(catalog, "load", parsing(catalog.load))
    return found


def signatures(root: Path) -> dict:
    return json.loads((root / ".pipeline-cache" / incremental.STAT_FILE).read_text())["files"]


def test_rerun_reads_no_file(corpus, seen):
    run_all(corpus)
    run_all(corpus)  # hashes again the files written within the first run's last clock tick
    known = signatures(corpus)
    for rel in ("source/article-0001.html", "locales/article-0001.pot",
                "locales/en/LC_MESSAGES/article-0001.po", "site/en/article-0001.html", "site/index.html"):
        assert rel in known, rel
    seen["read"].clear()
    ex, up, bu = run_all(corpus)
    assert seen["read"] == []
    assert ex.written == up.written == bu.written == []


def test_touched_file_is_hashed_and_nothing_redone(corpus, seen):
    run_all(corpus)
    run_all(corpus)
    src = corpus / "source" / "article-0002.html"
    src.write_bytes(src.read_bytes())  # the same bytes, new times
    seen["read"].clear(), seen["parsed"].clear()
    ex, up, bu = run_all(corpus)
    assert sorted(set(seen["read"])) == ["source/article-0002.html"]  # hashed again ...
    assert seen["parsed"] == []  # ... and found unchanged
    assert ex.written == up.written == bu.written == []
    st = src.stat()
    assert signatures(corpus)["source/article-0002.html"].startswith(f"{st.st_mtime_ns} {st.st_ctime_ns} ")


def test_edit_with_size_and_mtime_put_back_is_noticed(corpus):
    run_all(corpus)
    po_file = corpus / "locales/en/LC_MESSAGES/article-0001.po"
    po = catalog.load(po_file, "po")
    entry = next(e for e in po if e.msgid.endswith("。") and "<" not in e.msgid)
    entry.msgstr = "A reviewed sentence."
    catalog.save(po, po_file, where="po", date_key="PO-Revision-Date")
    run_all(corpus)
    st = po_file.stat()
    # The same size, written in place, the modification time put back (as cp -p or tar do):
    # only the change time tells.
    changed = po_file.read_bytes().replace(b"A reviewed sentence.", b"A REVIEWED SENTENCE.")
    with open(po_file, "r+b") as f:
        f.write(changed)
    os.utime(po_file, ns=(st.st_atime_ns, st.st_mtime_ns))
    now = po_file.stat()
    assert (now.st_size, now.st_mtime_ns, now.st_ino) == (st.st_size, st.st_mtime_ns, st.st_ino)
    run_all(corpus)
    assert "A REVIEWED SENTENCE." in (corpus / "site/en/article-0001.html").read_text(encoding="utf-8")


def test_file_changed_within_the_clock_tick_is_not_trusted(corpus, monkeypatch):
    cfg = config.load(corpus, jobs=1)
    src = corpus / "source" / "article-0003.html"
    # The file system's clock still reads the time of the last write: a second write now
    # could leave the file's signature as it is, so the signature must not be kept.
    monkeypatch.setattr(incremental, "fs_clock", lambda folder: src.stat().st_ctime_ns)
    state = incremental.State(cfg, "build")
    assert state.hash(src, "source/article-0003.html") == incremental.digest(src.read_bytes())
    assert "source/article-0003.html" not in state.signatures
    monkeypatch.setattr(incremental, "fs_clock", lambda folder: src.stat().st_ctime_ns + 1)
    state = incremental.State(cfg, "build")
    state.hash(src, "source/article-0003.html")
    assert "source/article-0003.html" in state.signatures


def test_staged_file_written_within_the_clock_tick_is_not_trusted(corpus, monkeypatch):
    cfg = config.load(corpus, jobs=1)
    state = incremental.State(cfg, "build")
    out = corpus / "site" / "x.txt"
    for data, ahead in ((b"x", 0), (b"y", 1)):
        with incremental.Staging(cfg) as staging:
            staged, h = staging.write(out, data, "x")
            monkeypatch.setattr(incremental, "fs_clock", lambda folder: os.stat(staged).st_mtime_ns + ahead)
            staging.add(staged, out, h)
            staging.commit(state)
        assert out.read_bytes() == data
        assert ("site/x.txt" in state.signatures) == bool(ahead)
    assert state.signatures["site/x.txt"].endswith(" " + incremental.digest(b"y"))
    assert state.hash(out) == incremental.digest(b"y")


def test_lost_signatures_cost_hashing_only(corpus, seen):
    run_all(corpus)
    (corpus / ".pipeline-cache" / incremental.STAT_FILE).unlink()
    seen["read"].clear(), seen["parsed"].clear()
    ex, up, bu = run_all(corpus)
    assert seen["parsed"] == [] and "site/en/article-0001.html" in seen["read"]
    assert ex.written == up.written == bu.written == []
    seen["read"].clear()
    run_all(corpus)
    assert seen["read"] == []
