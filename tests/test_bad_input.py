"""Every bad input through the `pipeline` command: one line `Error: <file>[:line]: ...`, exit
status 1, no traceback, and the project tree exactly as it was (no partial or temporary file)."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main

ROOT = Path(__file__).resolve().parent.parent
PO = "locales/en/LC_MESSAGES/article.po"
HTML = "source/article.html"


@pytest.fixture
def proj(en_project, tmp_path) -> Path:
    """A fresh copy of the module's project (templates and an English catalog) per case."""
    dst = tmp_path / "proj"
    shutil.copytree(en_project, dst)
    return dst


def tree(root: Path) -> dict[str, bytes]:
    """Every file of the project with its bytes (the lock file's presence does not matter)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != ".pipeline.lock"}


def fails_cleanly(root: Path, args: list[str], expect: str, env: dict | None = None) -> str:
    """Run the command; assert the clean-failure contract; return the error line."""
    before = tree(root)
    r = CliRunner().invoke(main, ["-C", str(root), *args], env=env)
    assert r.exit_code == 1, r.output
    assert not isinstance(r.exception, Exception) or isinstance(r.exception, SystemExit), r.exception
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), r.output
    assert expect in lines[0], lines[0]
    assert "Traceback" not in r.output
    after = tree(root)
    assert after == before, sorted(set(after) ^ set(before)) or "a file changed"
    return lines[0]


def edit(path: str, fn):
    def setup(root: Path):
        p = root / path
        p.write_text(fn(p.read_text(encoding="utf-8")), encoding="utf-8")
    return setup


def put(path: str, data: bytes | str):
    def setup(root: Path):
        p = root / path
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return setup


def setting(text: str):
    """Append settings to [tool.pipeline] (it is the last table of the file)."""
    return edit("pyproject.toml", lambda t: t + "\n" + text + "\n")


def po_line(n: int, new: str):
    def fn(text):
        lines = text.splitlines()
        lines[n - 1] = new
        return "\n".join(lines) + "\n"
    return edit(PO, fn)


ARTICLE = (ROOT / HTML).read_text(encoding="utf-8")
DOC = "<!DOCTYPE html>\n<html><head><title>t</title></head><body>\n{}\n</body></html>\n"

CASES = {
    # Source documents (extract).
    "truncated-html": (put(HTML, ARTICLE[: len(ARTICLE) // 2]), ["extract"],
                       "source/article.html:", "truncated HTML"),
    "mismatched-tag": (put(HTML, DOC.format("<section><p>甲<b>乙</p></div>")), ["extract"],
                       "source/article.html:3:", "malformed HTML"),
    "unclosed-comment": (put(HTML, DOC.format('<p>甲</p>\n<p>乙<!-- 注释</p>\n<p>丙</p>')), ["extract"],
                         "source/article.html:4:", "comment never closed"),
    "binary-source": (put(HTML, bytes(range(256)) * 64), ["extract"],
                      "source/article.html:", "binary file"),
    "gbk-source": (put(HTML, DOC.format("<p>中文的段落。</p>").encode("gbk")), ["extract"],
                   "source/article.html:3:", "not valid UTF-8"),
    "latin1-late-line": (put(HTML, DOC.format("<p>a</p>\n<p>b</p>\n<p>caf\xe9</p>").encode("latin-1")),
                         ["extract"], "source/article.html:5:", "not valid UTF-8"),
    "empty-source": (put(HTML, b""), ["extract"], "source/article.html:", "empty file"),
    "blank-source": (put(HTML, b" \n\n\t \n"), ["extract"], "source/article.html:", "empty file"),
    "not-html": (put(HTML, "只是一行文字，没有标记。\n"), ["extract"], "source/article.html:", "no HTML markup"),
    "nested-10000-blocks": (put(HTML, DOC.format("<div>" * 10000 + "深" + "</div>" * 10000)),
                            ["extract"], "source/article.html:3:", "nested deeper"),
    "nested-10000-inline": (put(HTML, DOC.format("<p>" + "<b>" * 10000 + "深" + "</b>" * 10000 + "</p>")),
                            ["extract"], "source/article.html:3:", "nested deeper"),
    "second-document-bad": (put("source/other.html", DOC.format("<p>甲<b>乙</p></div>")), ["extract"],
                            "source/other.html:3:", "malformed HTML"),
    "no-source-folder": (lambda r: shutil.rmtree(r / "source"), ["extract"], "source:", "source folder not found"),
    "empty-source-folder": (lambda r: (r / HTML).unlink(), ["extract"], "source:", "no .html documents"),
    # Catalogs (update).
    "po-unterminated": (po_line(20, 'msgstr "unterminated'), ["update", "--lang", "en"],
                        f"{PO}:20:", "syntax error"),
    "po-garbage-line": (edit(PO, lambda t: t + '\nmsgid "a"\nmsgstr "b"\nthis is not po\n'),
                        ["update", "--lang", "en"], f"{PO}:", "syntax error"),
    "po-duplicate-msgid": (edit(PO, lambda t: t + '\nmsgid "同"\nmsgstr "a"\n\nmsgid "同"\nmsgstr "b"\n'),
                           ["update", "--lang", "en"], f"{PO}:", 'duplicate msgid "同"'),
    "po-wrong-charset": (edit(PO, lambda t: t.replace("charset=UTF-8", "charset=GBK")),
                         ["update", "--lang", "en"], f"{PO}:", "charset GBK"),
    "po-garbage-plural-forms": (edit(PO, lambda t: t.replace("Plural-Forms: nplurals=2; plural=(n != 1);",
                                                             "Plural-Forms: nplurals=two; plural=__import__;")),
                                ["update", "--lang", "en"], f"{PO}:", "invalid Plural-Forms"),
    "po-binary": (put(PO, b"\x00\x01\xde\xad\xbe\xef" * 100), ["update", "--lang", "en"], f"{PO}:", "not"),
    "po-gbk-bytes": (put(PO, 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; '
                                                      'charset=UTF-8\\n"\n\nmsgid "你好"\nmsgstr ""\n'.encode("gbk")),
                     ["update", "--lang", "en"], f"{PO}:5:", "not valid UTF-8"),
    "po-is-a-folder": (lambda r: ((r / PO).unlink(), (r / PO).mkdir()), ["update", "--lang", "en"],
                       f"{PO}:", "directory"),
    "pot-syntax-error": (put("locales/article.pot", 'msgid "a"\nmsgstr\n'), ["update", "--lang", "en"],
                         "locales/article.pot:2:", "syntax error"),
    "no-templates": (lambda r: (r / "locales/article.pot").unlink(), ["update", "--lang", "en"],
                     "locales:", "no templates"),
    # Languages and configuration.
    "lang-path-traversal": (None, ["update", "--lang", "../../etc"], "--lang:", "invalid language code"),
    "lang-unknown": (None, ["update", "--lang", "xx-Nope"], "--lang:", "unknown language code"),
    "lang-traversal-in-config": (edit("pyproject.toml", lambda t: t.replace('"zh-Hant"]', '"../x"]')),
                                 ["update"], "pyproject.toml:", "invalid language code '../x'"),
    "config-wrong-type": (edit("pyproject.toml", lambda t: t.replace('site_dir = "site"', "site_dir = 3")),
                          ["extract"], "pyproject.toml:", "site_dir: expected a string"),
    "config-wrong-number": (setting('threshold = "high"'), ["extract"], "pyproject.toml:", "expected a number"),
    "config-list-as-string": (edit("pyproject.toml", lambda t: t.replace(
        'target_languages = ["en", "fr", "es", "ru", "ar", "ja", "zh-Hant"]', 'target_languages = "en"')),
                              ["update"], "pyproject.toml:", "expected a list of strings"),
    "config-unknown-setting": (setting("colour = true"), ["extract"], "pyproject.toml:", "unknown setting 'colour'"),
    "config-invalid-toml": (setting("beam_size = "), ["extract"], "pyproject.toml:", "invalid TOML"),
    "env-wrong-type": (None, ["extract"], "PIPELINE_BEAM_SIZE", "expected an integer"),
    # Other commands that read catalogs or exchange files.
    "build-corrupt-catalog": (po_line(20, 'msgstr "unterminated'), ["build", "--lang", "en"],
                              f"{PO}:20:", "syntax error"),
    "report-corrupt-catalog": (edit(PO, lambda t: t.replace("charset=UTF-8", "charset=latin-1")),
                               ["report", "--lang", "en"], f"{PO}:", "charset latin-1"),
    "xliff-truncated": (put("in.xlf", '<?xml version="1.0"?>\n<xliff version="1.2">\n<file>\n<body>'),
                        ["xliff", "import", "{root}/in.xlf"], "in.xlf:", "not XML"),
    "xliff-binary": (put("in.xlf", bytes(range(256))), ["xliff", "import", "{root}/in.xlf"], "in.xlf:", "not XML"),
    "xliff-billion-laughs": (put("in.xlf", '<?xml version="1.0"?>\n<!DOCTYPE xliff [<!ENTITY l0 "lol">'
                                 + "".join(f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' for i in range(1, 10))
                                 + ']>\n<xliff version="1.2"><file original="article" source-language="zh" '
                                 'target-language="en" datatype="html"><body><trans-unit id="1"><source>&l9;'
                                 '</source></trans-unit></body></file></xliff>\n'),
                             ["xliff", "import", "{root}/in.xlf"], "in.xlf:", "entity"),
    "review-unknown-lang": (None, ["review", "--lang", "tlh-Qaak", "--reviewer", "t"], "--lang:", "unknown language"),
    "unknown-engine-in-config": (setting('engine = "nosuch"'), ["translate", "--lang", "en"],
                                 "pyproject.toml: [tool.pipeline] engine", "unknown engine 'nosuch'"),
    "unknown-engine-option": (None, ["translate", "--lang", "en", "--engine", "nosuch"],
                              "--engine:", "unknown engine 'nosuch'"),
}
ENV = {"env-wrong-type": {"PIPELINE_BEAM_SIZE": "many"}}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_input(proj, case):
    setup, args, where, what = CASES[case]
    if setup:
        setup(proj)
    args = [a.replace("{root}", str(proj)) for a in args]
    line = fails_cleanly(proj, args, what, env=ENV.get(case))
    assert where in line, line


# --- Disks that refuse writes (simulated: the tests may run as root, where chmod does not) ---

def _refuse(err: int, when):
    """An os.replace / os.fsync that raises OSError(err) for paths where ``when(path)``."""
    real_replace, real_fsync = os.replace, os.fsync

    def replace(src, dst, *a, **kw):
        if when(str(dst)):
            raise OSError(err, os.strerror(err), str(dst))
        return real_replace(src, dst, *a, **kw)

    def fsync(fd):
        if err == errno.ENOSPC:
            raise OSError(err, os.strerror(err))
        return real_fsync(fd)

    return replace, fsync


DISK_CASES = {
    "read-only-locales": (errno.EACCES, ["update", "--lang", "en", "--lang", "fr"], "Permission denied"),
    "read-only-templates": (errno.EROFS, ["extract"], "Read-only file system"),
    "disk-full-update": (errno.ENOSPC, ["update", "--lang", "en", "--lang", "fr"], "disk full"),
    "disk-full-extract": (errno.ENOSPC, ["extract"], "disk full"),
}


@pytest.mark.parametrize("case", DISK_CASES, ids=list(DISK_CASES))
def test_disk_refuses_writes(proj, case, monkeypatch):
    err, args, what = DISK_CASES[case]
    (proj / HTML).write_text(ARTICLE.replace("国门安全", "国门安全（新）"), encoding="utf-8")
    if args[0] == "update":
        assert CliRunner().invoke(main, ["-C", str(proj), "extract"]).exit_code == 0
    replace, fsync = _refuse(err, lambda p: "/locales/" in p)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "fsync", fsync)
    line = fails_cleanly(proj, args, what)
    assert "locales/" in line
    assert not list(proj.rglob("*.tmp")), "temporary file left behind"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through chmod; simulated above")
def test_really_read_only_locales(proj):
    (proj / HTML).write_text(ARTICLE.replace("国门安全", "国门安全（新）"), encoding="utf-8")
    locales = proj / "locales"
    modes = {p: p.stat().st_mode for p in [locales, *locales.rglob("*")] if p.is_dir()}
    for p in modes:
        p.chmod(0o555)
    try:
        fails_cleanly(proj, ["extract"], "locales")
    finally:
        for p, m in modes.items():
            p.chmod(m)


# --- The project lock ------------------------------------------------------------------------

def _hold_lock(root: Path):
    fd = os.open(root / ".pipeline.lock", os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


@pytest.mark.parametrize("args", [["extract"], ["update", "--lang", "en"]])
def test_second_run_fails_while_the_lock_is_held(proj, args):
    fd = _hold_lock(proj)
    try:
        fails_cleanly(proj, args, "another pipeline run is working in this project")
    finally:
        os.close(fd)


def test_wait_takes_the_lock_once_it_is_released(proj):
    (proj / HTML).write_text(ARTICLE.replace("国门安全", "国门安全（新）"), encoding="utf-8")
    fd = _hold_lock(proj)
    threading.Timer(0.5, os.close, (fd,)).start()
    r = CliRunner().invoke(main, ["-C", str(proj), "--wait", "20", "extract"])
    assert r.exit_code == 0, r.output
    assert "wrote locales/article.pot" in r.output


def test_every_mutating_command_takes_the_lock():
    """Commands that write into the project go through files.project_lock."""
    import inspect

    from pipeline import cli

    writers = {"extract", "update", "translate", "build", "review", "report", "xliff_import",
               "xliff_export"}
    present = {name for name in writers if hasattr(cli, name)}
    assert {"extract", "update"} <= present
    for name in present:
        fn = getattr(cli, name).callback
        src = inspect.getsource(fn)
        assert "project_lock(" in src, f"`pipeline {name}` writes without the project lock"


# --- Input the pipeline accepts, in bounded time and memory ----------------------------------

def _limited(mb: int):
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (mb << 20, mb << 20))
    return limit


@pytest.mark.parametrize("body", [
    "国门安全警钟长鸣" * 131072,  # 1 MB (3 bytes a character), no sentence end at all
    "国门安全。" * 70000,  # 1 MB of identical sentences
    "<b>国门</b>安全" * 40000,  # 40,000 placeholders in one sentence
], ids=["no-sentence-end", "repeated-sentence", "many-placeholders"])
def test_megabyte_paragraph_is_handled(proj, body):
    (proj / HTML).write_text(DOC.format(f"<p>{body}</p>"), encoding="utf-8")
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    for args in (["extract"], ["update", "--lang", "en"]):
        # Bounded memory (1.5 GB of address space) and time: quadratic code took minutes here.
        r = subprocess.run([sys.executable, "-m", "pipeline.cli", "-C", str(proj), *args],
                           capture_output=True, text=True, timeout=120, env=env,
                           preexec_fn=_limited(1536))
        assert r.returncode == 0, r.stderr
    po = (proj / PO).read_text(encoding="utf-8")
    assert po.count("\nmsgid ") >= 2


# --- Models (the MT helper's command; built against the documented interface) ---------------

def _argos_env(tmp_path) -> dict:
    return {"ARGOS_PACKAGES_DIR": str(tmp_path / "argos-packages")}


def _zip(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _file(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


META = json.dumps({"package_version": "1.0", "argos_version": "1.9", "type": "translate",
                   "from_code": "zh", "to_code": "en", "from_name": "Chinese", "to_name": "English"})
MODEL_CASES = {
    "missing-model-file": (lambda t: t / "nothing.argosmodel", "nothing.argosmodel", "no such file"),
    "model-not-a-zip": (lambda t: _file(t / "junk.argosmodel", os.urandom(4096)), "junk.argosmodel", ""),
    "model-truncated-zip": (lambda t: _file(t / "cut.argosmodel", _zip(t / "whole.zip", {
        "pkg/metadata.json": META, "pkg/model/model.bin": "x" * 5000}).read_bytes()[:3000]),
                            "cut.argosmodel", ""),
    "model-zip-slip": (lambda t: _zip(t / "slip.argosmodel", {"pkg/metadata.json": META,
                                                              "pkg/../../../evil.txt": "x"}),
                       "slip.argosmodel", "unsafe path"),
    "model-absolute-member": (lambda t: _zip(t / "abs.argosmodel", {"pkg/metadata.json": META,
                                                                    "/tmp/evil.txt": "x"}),
                              "abs.argosmodel", "unsafe path"),
    "model-without-metadata": (lambda t: _zip(t / "bare.argosmodel", {"pkg/model/x.bin": "x"}),
                               "bare.argosmodel", "metadata"),
}


@pytest.mark.parametrize("case", MODEL_CASES, ids=list(MODEL_CASES))
def test_bad_model_files(proj, tmp_path, case):
    make, name, what = MODEL_CASES[case]
    path = make(tmp_path)
    env = _argos_env(tmp_path)
    line = fails_cleanly(proj, ["models", "add", str(path)], what, env=env)
    assert name in line
    assert not (tmp_path / "argos-packages").exists() or not any((tmp_path / "argos-packages").iterdir())
    assert not Path("/tmp/evil.txt").exists() and not (tmp_path.parent / "evil.txt").exists()


def test_missing_model_names_the_pair(proj, tmp_path):
    fails_cleanly(proj, ["translate", "--lang", "en"], "zh -> en", env=_argos_env(tmp_path))
