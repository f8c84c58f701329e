"""Machine translation stage on real (tiny, random) Argos packages built at test time."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import zipfile
from pathlib import Path

import ctranslate2
import polib
import pytest
from click.testing import CliRunner

from pipeline import catalog, config, fragments
from pipeline.cli import main
from pipeline.errors import ConfigError, ModelError
from pipeline.extract import extract
from pipeline.placeholders import problems
from pipeline.translate import output_hash, translate
from pipeline.update import update

import argos_fixture

ROOT = Path(__file__).resolve().parent.parent
TERM = ("国家移民管理局", "National Immigration Administration")


@pytest.fixture(scope="session")
def packages(tmp_path_factory):
    """zh->en and en->fr packages (.argosmodel files) and a packages folder with both installed."""
    work = tmp_path_factory.mktemp("argos")
    text = argos_fixture.article_text(ROOT) + "\n" + argos_fixture.LATIN
    sp, vocab = argos_fixture.train_sentencepiece(text, work / "sp", 600)
    zh_en = argos_fixture.build_package(work, from_code="zh", to_code="en", sp_model=sp, vocab=vocab, seed=1)
    en_fr = argos_fixture.build_package(work, from_code="en", to_code="fr", sp_model=sp, vocab=vocab, seed=2)
    installed = work / "packages"
    mp = pytest.MonkeyPatch()
    mp.setenv("ARGOS_PACKAGES_DIR", str(installed))
    from pipeline.models import add

    add(zh_en)
    add(en_fr)
    mp.undo()
    return {"zh_en": zh_en, "en_fr": en_fr, "dir": installed}


@pytest.fixture
def calls(monkeypatch):
    """Records the batch sizes of every ctranslate2 translate_batch call."""
    seen: list[list[int]] = []
    real = ctranslate2.Translator

    class Counting:
        def __init__(self, *a, **kw):
            self._t = real(*a, **kw)

        def translate_batch(self, tokens, **kw):
            seen.append([len(t) for t in tokens])
            return self._t.translate_batch(tokens, **kw)

    monkeypatch.setattr(ctranslate2, "Translator", Counting)
    return seen


def make_project(dest: Path, langs=("en", "fr", "zh-Hant", "zh-HK"), glossary=True) -> config.Config:
    """A project copy with fresh catalogs (never the real locales/ or glossary/)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "pyproject.toml", dest)
    shutil.copytree(ROOT / "source", dest / "source")
    if glossary:
        (dest / "glossary").mkdir()
        (dest / "glossary" / "zh-en.csv").write_text(f"source,target,note\n{TERM[0]},{TERM[1]},\n", encoding="utf-8")
    cfg = config.load(dest, max_decoding_length=12, batch_size=16)
    extract(cfg)
    update(cfg, langs)
    return cfg


@pytest.fixture
def project(tmp_path, packages, monkeypatch):
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(packages["dir"]))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    return make_project(tmp_path / "proj")


def po_file(cfg, lang="en") -> Path:
    return cfg.locales / config.po_dir_name(lang) / "LC_MESSAGES" / "article.po"


def test_fills_every_entry_in_length_sorted_batches(project, calls):
    before = polib.pofile(str(po_file(project)))
    result = translate(project, ("en",))
    po = polib.pofile(str(po_file(project)))
    entries = [e for e in po if not e.obsolete]
    assert entries and all(e.msgstr and "fuzzy" in e.flags for e in entries)
    for e in entries:
        rec = catalog.get_provenance(e)
        assert rec["engine"] == "argos" and rec["model"] == "translate-zh_en" and rec["version"] == "1.0"
        assert rec["path"] == "zh>en" and isinstance(rec["score"], float)
        assert rec["hash"] == output_hash(e.msgstr)
        assert problems(e.msgid, e.msgstr) == []
        assert catalog.state(e) == "machine"
    # every fragment of the language once, in batches of at most batch_size, shortest first
    wanted = {f for e in before for f in fragments.fragments(fragments.plan(e.msgid, [TERM]))}
    sizes = [len(b) for b in calls]
    assert sum(sizes) == len(wanted) and len(calls) == math.ceil(len(wanted) / 16) > 1
    assert all(s <= 16 for s in sizes)
    assert max(calls[0]) <= min(calls[-1])
    assert result.counts["machine-translated"] == len(entries)
    assert result.counts["model batches"] == len(calls)


def test_placeholders_and_glossary_survive(project):
    translate(project, ("en",))
    po = polib.pofile(str(po_file(project)))
    tagged = [e for e in po if "<1>" in e.msgid]
    assert tagged
    for e in tagged:
        assert problems(e.msgid, e.msgstr) == []
        assert e.msgstr.index("<1>") < e.msgstr.index("</1>")
    termed = [e for e in po if TERM[0] in e.msgid]
    assert termed
    for e in termed:
        assert TERM[1] in e.msgstr
        assert catalog.get_provenance(e)["glossary"] == [TERM[0]]


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext not installed")
def test_msgfmt_check_is_clean(project):
    translate(project, ("en", "fr"))
    for lang in ("en", "fr"):
        run = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po_file(project, lang))],
                             capture_output=True, text=True)
        assert run.returncode == 0, run.stderr


def test_pivot_through_english(project, calls):
    result = translate(project, ("fr",))
    po = polib.pofile(str(po_file(project, "fr")))
    recs = [catalog.get_provenance(e) for e in po if not e.obsolete]
    assert recs and all(r["path"] == "zh>en>fr" for r in recs)
    assert all(r["model"] == "translate-zh_en+translate-en_fr" and r["version"] == "1.0+1.0" for r in recs)
    assert len(calls) == 2 * result.counts["model batches"]


def test_second_run_makes_no_model_call_and_is_deterministic(project, calls, tmp_path):
    pristine = po_file(project).read_bytes()
    translate(project, ("en",))
    first = po_file(project).read_bytes()
    assert calls
    calls.clear()
    assert translate(project, ("en",)).counts.get("model batches", 0) == 0
    assert po_file(project).read_bytes() == first
    po_file(project).write_bytes(pristine)  # catalogs reset, cache kept
    result = translate(project, ("en",))
    assert calls == [] and result.counts.get("model batches", 0) == 0
    assert po_file(project).read_bytes() == first
    other = make_project(tmp_path / "other")  # no cache at all
    translate(other, ("en",))
    assert po_file(other).read_bytes() == first


def test_interrupted_run_resumes_from_finished_batches(project, calls, tmp_path):
    pristine = po_file(project).read_bytes()

    def stop_after_first_batch(lang, done, total):
        if done:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        translate(project, ("en",), progress=stop_after_first_batch)
    assert po_file(project).read_bytes() == pristine  # nothing half-written
    assert len(calls) == 1
    calls.clear()
    resumed = translate(project, ("en",))
    total = resumed.counts["model batches"] + 1
    assert resumed.counts["fragments cached"] == 16 and len(calls) == total - 1
    straight = make_project(tmp_path / "straight")
    translate(straight, ("en",))
    assert po_file(project).read_bytes() == po_file(straight).read_bytes()


def test_reviewed_entries_are_never_touched(project, calls):
    path = po_file(project)
    po = polib.pofile(str(path))
    reviewed = [e for e in po if not e.obsolete][:3]
    for e in reviewed:
        e.msgstr = "Reviewed: " + e.msgid
        e.tcomment = "reviewed-by: Ana"
    po.save(str(path))
    before = {e.msgid: str(e) for e in reviewed}
    translate(project, ("en",))
    after = {e.msgid: str(e) for e in polib.pofile(str(path)) if e.msgid in before}
    assert after == before
    # a catalog with nothing to do is left byte-identical and costs no model call
    calls.clear()
    all_done = path.read_bytes()
    translate(project, ("en",), refresh=False)
    assert path.read_bytes() == all_done and calls == []


def test_translation_memory_reused_before_mt(project, calls):
    msgid = next(e.msgid for e in polib.pofile(str(po_file(project))) if e.msgid and "<" not in e.msgid)
    other = po_file(project).parent / "other.po"
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    po.append(polib.POEntry(msgid=msgid, msgstr="A reviewed translation.", obsolete=True))
    po.save(str(other))
    result = translate(project, ("en",))
    e = polib.pofile(str(po_file(project))).find(msgid)
    assert e.msgstr == "A reviewed translation." and "fuzzy" in e.flags
    rec = catalog.get_provenance(e)
    assert rec["engine"] == "tm" and rec["tm"].endswith("en/LC_MESSAGES/other.po")
    assert result.counts["from memory"] == 1


def test_refresh_redoes_only_unedited_machine_output(project, calls):
    translate(project, ("en",))
    path = po_file(project)
    po = polib.pofile(str(path))
    edited = next(e for e in po if not e.obsolete and e.msgstr)
    edited.msgstr = "Edited by a person, still fuzzy."
    po.save(str(path))
    machine = sum(1 for e in po if not e.obsolete and e.msgstr) - 1
    calls.clear()
    result = translate(config.load(project.root, max_decoding_length=12, batch_size=16, beam_size=1),
                       ("en",), refresh=True)
    assert calls, "new options: not in the cache"
    assert result.counts["machine-translated"] == machine
    assert polib.pofile(str(path)).find(edited.msgid).msgstr == "Edited by a person, still fuzzy."


def test_unsafe_output_is_flagged_not_written(project):
    class Broken:
        cached, key, record = False, "broken", {"engine": "argos"}

        def batches(self, texts):
            return [texts]

        def translate(self, batch):
            return [("see <0> here", None) for _ in batch]

    result = translate(project, ("en",), engine_factory=lambda *a: Broken())
    assert result.counts["flagged"] > 0
    po = polib.pofile(str(po_file(project)))
    assert all("<0>" not in e.msgstr for e in po)
    assert any("MT output not written" in m and "malformed placeholder" in m for m in result.messages)


def test_opencc_script_conversion(project, calls):
    import opencc

    result = translate(project, ("zh-Hant", "zh-HK"), engine="opencc")
    assert calls == [] and result.counts["machine-translated"] > 0
    for lang, conv in (("zh-Hant", "s2twp"), ("zh-HK", "s2hk")):
        cc = opencc.OpenCC(conv)
        for e in polib.pofile(str(po_file(project, lang))):
            if e.obsolete:
                continue
            rec = catalog.get_provenance(e)
            assert rec["engine"] == "opencc" and rec["model"] == conv and rec["kind"] == "script conversion"
            assert e.msgstr == cc.convert(e.msgid) and "fuzzy" in e.flags
    with pytest.raises(ConfigError, match="Traditional Chinese"):
        translate(project, ("en",), engine="opencc")


def test_missing_pair_names_the_pair_and_the_command(project):
    with pytest.raises(ModelError, match=r"zh -> es.*pipeline models install zh es"):
        from pipeline.engines.argos import route

        route("zh-Hans", "es")


def test_cli(project, packages, tmp_path, monkeypatch):
    runner = CliRunner()
    root = str(project.root)
    r = runner.invoke(main, ["-C", root, "translate", "--lang", "en", "--beam-size", "1"])
    assert r.exit_code == 0, r.output
    assert "wrote locales/en/LC_MESSAGES/article.po" in r.output and "machine-translated:" in r.output
    update(project, ("es",))
    r = runner.invoke(main, ["-C", root, "translate", "--lang", "es"])
    assert r.exit_code == 1 and "Error:" in r.output and "pipeline models install zh es" in r.output
    r = runner.invoke(main, ["-C", root, "translate", "--engine", "deepl"])
    assert r.exit_code == 1 and "Error: --engine: unknown engine 'deepl'" in r.output
    r = runner.invoke(main, ["models", "list"])
    assert r.exit_code == 0 and "zh -> en\ttranslate-zh_en\t1.0" in r.output and "en -> fr" in r.output


def test_models_add_refuses_bad_archives(packages, tmp_path, monkeypatch):
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(tmp_path / "pk"))
    runner = CliRunner()
    corrupt = tmp_path / "corrupt.argosmodel"
    data = bytearray(packages["zh_en"].read_bytes())
    mid = len(data) // 2
    data[mid : mid + 64] = bytes(64)
    corrupt.write_bytes(bytes(data))
    slip = tmp_path / "slip.argosmodel"
    with zipfile.ZipFile(slip, "w") as z:
        z.writestr("pkg/metadata.json", json.dumps({"from_code": "zh", "to_code": "en"}))
        z.writestr("pkg/../../evil.txt", "x")
    for bad, why in ((corrupt, "damaged|CRC|not an Argos"), (slip, "unsafe path"),
                     (tmp_path / "none.argosmodel", "no such file")):
        r = runner.invoke(main, ["models", "add", str(bad)])
        assert r.exit_code == 1 and r.output.startswith("Error: ") and any(w in r.output for w in why.split("|")), r.output
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "pk").exists()
    r = runner.invoke(main, ["models", "add", str(packages["zh_en"])])
    assert r.exit_code == 0 and "installed translate-zh_en 1.0" in r.output
    assert (tmp_path / "pk" / "translate-zh_en-1_0" / "metadata.json").is_file()


def test_models_install_offline_says_to_add_a_file(tmp_path, monkeypatch):
    from argostranslate import settings

    monkeypatch.setattr(settings, "remote_package_index", "http://127.0.0.1:9/index.json")
    monkeypatch.setattr(settings, "local_package_index", tmp_path / "index.json")
    r = CliRunner().invoke(main, ["models", "install", "zh", "en"])
    assert r.exit_code == 1 and "models add FILE.argosmodel" in r.output, r.output


def test_fragments_keep_placeholders_in_source_order():
    msgid = "<1>引言:</1> 国家移民管理局发布<2/>新规"
    parts = fragments.plan(msgid, [TERM])
    assert fragments.fragments(parts) == ["引言:", "发布", "新规"]
    out, found = fragments.assemble(msgid, parts, {"引言:": "Introduction:", "发布": "publishes",
                                                    "新规": "new rules"}, latin=True)
    assert found == []
    assert out == "<1>Introduction:</1> National Immigration Administration publishes<2/> new rules"
