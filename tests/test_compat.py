"""Catalogs the project writes (MT records, review, ignore flags, XLIFF import) pass GNU msgfmt
-c --check-format and load in polib and Translate Toolkit."""

from __future__ import annotations

import shutil
import subprocess

import polib
import pytest
from translate.storage import po as ttpo

from pipeline import catalog
from pipeline.review import Decision, review
from pipeline.xliff import export, import_file
from qa_catalogs import make_project, po_file


@pytest.fixture
def written(project):
    cfg = make_project(project)
    path = po_file(cfg)
    po = polib.pofile(str(path))
    po[3].flags.append("pipeline-ignore-length")
    catalog.save(po, path, where="x", date_key="PO-Revision-Date")
    answers = iter([Decision("accept"), Decision("edit", "Fighting crime \\<1> \"quoted\""), Decision("quit")])
    review(cfg, "en", decide=lambda item: next(answers), reviewer="Ana Li")
    (project / "en.xlf").write_bytes(export(cfg, "en"))
    import_file(cfg, project / "en.xlf", reviewer="Ana Li")
    return [path, cfg.locales / "article.pot"]


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext not installed (setup.sh installs it)")
def test_msgfmt_check(written, tmp_path):
    for path in written:
        r = subprocess.run(["msgfmt", "-c", "--check-format", "-o", str(tmp_path / "out.mo"), str(path)],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr


def test_polib_and_translate_toolkit_load(written):
    for path in written:
        po = polib.pofile(str(path))
        store = ttpo.pofile.parsefile(str(path))
        ids = [u.source for u in store.units if not u.isheader() and not u.isobsolete()]
        assert ids == [e.msgid for e in po if not e.obsolete]
    po = polib.pofile(str(written[0]))
    store = ttpo.pofile.parsefile(str(written[0]))
    by = {u.source: u for u in store.units}
    for e in po:
        assert by[e.msgid].target == e.msgstr
        assert by[e.msgid].isfuzzy() == ("fuzzy" in e.flags)
