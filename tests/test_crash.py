"""Crash test: `pipeline update` and `pipeline translate` killed with SIGKILL at random points,
many times. Afterwards every catalog parses, no reviewed translation is lost and a re-run
finishes the work. Delays come from a seeded generator, so every run kills at the same offsets.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import polib
import pytest

from pipeline import catalog, config
from pipeline.extract import extract
from pipeline.update import update

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("en", "fr", "es", "ru", "ar", "ja", "zh-Hant")


def cli(root: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    """`pipeline` in its own process group (so that kill -9 takes any worker with it)."""
    return subprocess.Popen([sys.executable, "-m", "pipeline.cli", "-C", str(root), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env={**os.environ, **(env or {})})


def finish(root: Path, *args: str, env: dict | None = None) -> str:
    """Run `pipeline` to its end; its output."""
    r = subprocess.run([sys.executable, "-m", "pipeline.cli", "-C", str(root), *args], capture_output=True,
                       text=True, timeout=120, env={**os.environ, **(env or {})})
    assert r.returncode == 0, r.stderr
    return r.stdout + r.stderr


def kill_after(p: subprocess.Popen, delay: float) -> None:
    time.sleep(delay)
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # it finished first: that is one of the points too
    p.communicate()


def catalogs(root: Path) -> dict[str, polib.POFile]:
    """Every catalog, parsed with the pipeline's strict reader (a corrupt one fails here)."""
    out = {}
    for path in sorted((root / "locales").rglob("*.po")) + sorted((root / "locales").glob("*.pot")):
        rel = path.relative_to(root).as_posix()
        out[rel] = catalog.load(path, rel)
    return out


def reviewed(cats: dict[str, polib.POFile]) -> set[tuple[str, str]]:
    """(catalog, msgstr) of every reviewed translation."""
    return {(rel, e.msgstr) for rel, po in cats.items() for e in po
            if not e.obsolete and catalog.state(e) == "reviewed"}


def still_there(cats: dict[str, polib.POFile], rel: str, msgstr: str) -> bool:
    """A reviewed translation survives as kept, fuzzy with its previous msgid, or obsolete."""
    return any(e.msgstr == msgstr for e in cats[rel])


def make_project(dest: Path) -> config.Config:
    dest.mkdir(parents=True)
    shutil.copy(ROOT / "pyproject.toml", dest)
    shutil.copytree(ROOT / "source", dest / "source")
    cfg = config.load(dest)
    extract(cfg)
    update(cfg, LANGS)
    # Every third entry of every catalog reviewed by a person.
    for lang in LANGS:
        path = dest / "locales" / config.po_dir_name(lang) / "LC_MESSAGES" / "article.po"
        po = catalog.load(path, "po")
        for i, e in enumerate(po):
            if i % 3 == 0:
                e.msgstr = f"[{lang}] reviewed translation {i}"
                e.tcomment = "reviewed-by: crash-test"
        catalog.save(po, path, where="po", date_key="PO-Revision-Date")
    return cfg


EDITS = [("国家移民管理局", "国家移民局"), ("偷渡", "非法越境"), ("边境", "边界")]


def edit_source(root: Path, rng: random.Random) -> None:
    """Apply or undo a random subset of edits, so that every update has merging to do."""
    html = root / "source" / "article.html"
    text = original = (ROOT / "source" / "article.html").read_text(encoding="utf-8")
    for a, b in EDITS:
        if rng.random() < 0.5:
            text = text.replace(a, b)
    if text == html.read_text(encoding="utf-8"):
        text = original if text != original else original.replace(*EDITS[0])
    html.write_text(text, encoding="utf-8")


def test_update_killed_at_random_points(tmp_path):
    cfg = make_project(tmp_path / "proj")
    root = cfg.root
    before = reviewed(catalogs(root))
    assert len(before) > 100
    rng = random.Random(20260701)
    # How long a whole run takes here, so that the kills spread over all of it.
    edit_source(root, rng)
    finish(root, "extract")
    t0 = time.monotonic()
    finish(root, "update")
    full = time.monotonic() - t0
    kills = 0
    deadline = time.monotonic() + 40
    while kills < 20 and time.monotonic() < deadline:
        edit_source(root, rng)
        if rng.random() < 0.25:  # sometimes extract dies instead, leaving the old template
            kill_after(cli(root, "extract"), rng.uniform(0, full))
        else:
            finish(root, "extract")
            kill_after(cli(root, "update"), rng.uniform(0, full))
        kills += 1
        cats = catalogs(root)
        for rel, msgstr in before:
            assert still_there(cats, rel, msgstr), f"{rel}: lost {msgstr!r} after kill {kills}"
    assert kills >= 10
    # A leftover temporary file of a killed writer (a dead process id) is ignored and cleaned.
    stale = root / "locales" / "en" / "LC_MESSAGES" / ".article.po.999999999.x1y2.tmp"
    stale.write_text("half a catal", encoding="utf-8")
    staging = root / cfg.cache_dir / "staging-999999999"
    staging.mkdir(parents=True, exist_ok=True)
    (staging / ".article.po.999999999.abc.tmp").write_text("x", encoding="utf-8")
    edit_source(root, rng)
    finish(root, "extract")
    finish(root, "update")
    cats = catalogs(root)
    for rel, msgstr in before:
        assert still_there(cats, rel, msgstr), f"{rel}: lost {msgstr!r}"
    # The re-run completed the work: every catalog has every sentence of the current template.
    pot = {e.msgid for e in cats["locales/article.pot"]}
    for rel, po in cats.items():
        if rel.endswith(".po"):
            assert {e.msgid for e in po if not e.obsolete} == pot, rel
    assert not stale.exists() and not staging.exists()
    assert "7 file(s) already up to date" in finish(root, "update")


@pytest.fixture(scope="module")
def argos_packages(tmp_path_factory):
    """A real (tiny, random-weight) zh -> en Argos package, installed in a private folder."""
    argos_fixture = pytest.importorskip("argos_fixture")
    pytest.importorskip("ctranslate2")
    work = tmp_path_factory.mktemp("argos-crash")
    text = argos_fixture.article_text(ROOT) + "\n" + argos_fixture.LATIN
    sp, vocab = argos_fixture.train_sentencepiece(text, work / "sp", 600)
    zh_en = argos_fixture.build_package(work, from_code="zh", to_code="en", sp_model=sp, vocab=vocab, seed=1)
    mp = pytest.MonkeyPatch()
    mp.setenv("ARGOS_PACKAGES_DIR", str(work / "packages"))
    from pipeline.models import add

    add(zh_en)
    mp.undo()
    return work / "packages"


def test_translate_killed_at_random_points(tmp_path, argos_packages):
    cfg = make_project(tmp_path / "proj")
    root = cfg.root
    env = {"ARGOS_PACKAGES_DIR": str(argos_packages), "PIPELINE_BATCH_SIZE": "4",
           "PIPELINE_MAX_DECODING_LENGTH": "8", "PIPELINE_BEAM_SIZE": "1"}
    po_path = root / "locales" / "en" / "LC_MESSAGES" / "article.po"
    rel = "locales/en/LC_MESSAGES/article.po"
    before = {e.msgid: e.msgstr for e in catalog.load(po_path, rel) if catalog.state(e) == "reviewed"}
    assert before
    # A full run in a copy measures the time over which the kills spread.
    probe = tmp_path / "probe"
    shutil.copytree(root, probe)
    t0 = time.monotonic()
    finish(probe, "translate", "--lang", "en", env=env)
    full = time.monotonic() - t0
    rng = random.Random(7)
    kills = 0
    deadline = time.monotonic() + 30
    while kills < 8 and time.monotonic() < deadline:
        kill_after(cli(root, "translate", "--lang", "en", env=env), rng.uniform(0.3 * full, 1.2 * full))
        kills += 1
        po = catalog.load(po_path, rel)  # parses after every kill
        for e in po:
            if e.msgid in before:
                assert e.msgstr == before[e.msgid] and catalog.state(e) == "reviewed", e.msgid
            elif e.msgstr:
                assert catalog.state(e) == "machine", e.msgid  # machine output is always fuzzy
    finish(root, "translate", "--lang", "en", env=env)
    po = catalog.load(po_path, rel)
    assert all(e.msgstr for e in po if not e.obsolete), "the re-run left entries untranslated"
    assert {e.msgid: e.msgstr for e in po if catalog.state(e) == "reviewed"} == before
