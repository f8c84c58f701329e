"""The `pipeline` command in a temporary project copy: extract, update, source edits, errors."""

from __future__ import annotations

import shutil
import subprocess

import polib
import pytest
from click.testing import CliRunner

from pipeline.cli import main


def run(project, *args):
    return CliRunner().invoke(main, ["-C", str(project), *args], catch_exceptions=False)


def tree(path):
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()
            and p.name != ".pipeline.lock" and ".pipeline-cache" not in p.parts}


def test_extract_then_update_gives_checked_catalogs(project):
    r = run(project, "extract")
    assert r.exit_code == 0, r.output
    assert "wrote locales/article.pot" in r.output
    r = run(project, "update", "--lang", "en")
    assert r.exit_code == 0, r.output
    po_path = project / "locales/en/LC_MESSAGES/article.po"
    po = polib.pofile(str(po_path))
    assert po.metadata["Language"] == "en"
    assert po.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert po.metadata["Content-Type"] == "text/plain; charset=UTF-8"
    assert len(po) == len(polib.pofile(str(project / "locales/article.pot")))
    assert any(e.msgid.startswith("<1>集群战役:</1>") for e in po)
    if shutil.which("msgfmt"):
        for path in (project / "locales/article.pot", po_path):
            subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], check=True, capture_output=True)
    # A re-run changes nothing, byte for byte.
    before = tree(project)
    assert run(project, "extract").exit_code == 0
    assert run(project, "update", "--lang", "en").exit_code == 0
    assert tree(project) == before


def test_editing_one_sentence_changes_only_that_entry(project):
    run(project, "extract")
    run(project, "update", "--lang", "en", "--lang", "fr")
    po_path = project / "locales/en/LC_MESSAGES/article.po"
    po = polib.pofile(str(po_path))
    for i, e in enumerate(po):
        e.msgstr = f"Translation {i}."
    po.save(str(po_path))
    before = {e.msgid: (e.msgstr, list(e.flags)) for e in polib.pofile(str(po_path))}
    html = project / "source/article.html"
    old = "口岸是国家重要的出入境通道,也是跨境犯罪活动的重要途径。"
    new = "口岸是国家最重要的出入境通道,也是跨境犯罪活动的重要途径。"
    html.write_text(html.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    assert run(project, "extract").exit_code == 0
    assert run(project, "update").exit_code == 0  # every configured language
    after = polib.pofile(str(po_path))
    changed = [e for e in after if (e.msgid not in before) or before[e.msgid] != (e.msgstr, list(e.flags))]
    assert [e.msgid for e in changed] == [new]
    assert changed[0].previous_msgid == old and "fuzzy" in changed[0].flags
    assert changed[0].msgstr == before[old][0]
    assert not after.obsolete_entries()
    # Reverting brings the old translation back, reviewed as before.
    html.write_text(html.read_text(encoding="utf-8").replace(new, old), encoding="utf-8")
    run(project, "extract")
    run(project, "update", "--lang", "en")
    back = {e.msgid: e for e in polib.pofile(str(po_path))}
    assert back[old].msgstr == before[old][0]


@pytest.mark.parametrize("setup, args, expect", [
    (lambda p: shutil.rmtree(p / "source"), ["extract"], "source: source folder not found"),
    (lambda p: [f.unlink() for f in (p / "source").glob("*")], ["extract"], "source: no .html documents"),
    (lambda p: (p / "source/bad.html").write_bytes("<html><body><p>中文</p></body></html>".encode("gbk")),
     ["extract"], "source/bad.html:1: not valid UTF-8"),
    (lambda p: (p / "source/bad.html").write_text("<html><body>\n<section><p>a<b>x</p></div>\n</body></html>"),
     ["extract"], "source/bad.html:2: malformed HTML"),
    (lambda p: (p / "source/bad.html").write_text(""), ["extract"], "source/bad.html: empty file"),
    (lambda p: None, ["update", "--lang", "en"], "locales: no templates (.pot)"),
    (lambda p: None, ["update", "--lang", "xx-Nope"], "unknown language code 'xx-Nope'"),
    (lambda p: None, ["update", "--lang", "../../etc"], "invalid language code '../../etc'"),
])
def test_bad_input_gives_one_line_error_and_writes_nothing(project, setup, args, expect):
    setup(project)
    before = tree(project)
    r = CliRunner().invoke(main, ["-C", str(project), *args])
    assert r.exit_code == 1
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and expect in lines[0], r.output
    assert "Traceback" not in r.output
    assert tree(project) == before


def test_corrupt_po_is_named_with_its_line(project):
    run(project, "extract")
    run(project, "update", "--lang", "en")
    po_path = project / "locales/en/LC_MESSAGES/article.po"
    text = po_path.read_text(encoding="utf-8").splitlines()
    text[30] = 'msgstr "unterminated'
    po_path.write_text("\n".join(text) + "\n", encoding="utf-8")
    before = tree(project)
    r = CliRunner().invoke(main, ["-C", str(project), "update", "--lang", "en"])
    assert r.exit_code == 1 and r.output.startswith("Error: locales/en/LC_MESSAGES/article.po:")
    assert tree(project) == before


def test_config_options_override_pyproject(project):
    (project / "src2").mkdir()
    shutil.copy(project / "source/article.html", project / "src2/other.html")
    r = run(project, "--source-dir", "src2", "--locales-dir", "cat", "extract")
    assert r.exit_code == 0, r.output
    assert (project / "cat/other.pot").exists()
