"""`pipeline status`: counts per review state, table and JSON."""

from __future__ import annotations

import json

from click.testing import CliRunner

from pipeline.cli import main
from pipeline.status import status
from qa_catalogs import make_project


def test_counts(project):
    cfg = make_project(project)
    (row, fr) = status(cfg, ("en", "fr"))
    assert (row.entries, row.reviewed, row.machine, row.changed, row.fuzzy, row.untranslated) == (58, 1, 2, 1, 1, 53)
    assert row.chars > 2000 and abs(row.percent - 100 / 58) < 1e-9
    assert fr.missing and fr.untranslated == 58


def test_cli_table_and_json(project):
    make_project(project)
    r = CliRunner().invoke(main, ["-C", str(project), "status", "-l", "en", "-l", "fr"])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0].split() == ["language", "document", "entries", "chars", "reviewed", "machine",
                                "changed", "fuzzy", "untranslated", "%", "reviewed"]
    assert lines[1].split()[:2] == ["en", "article"] and lines[1].endswith("1.7%")
    assert "(no catalog)" in lines[2]
    r = CliRunner().invoke(main, ["-C", str(project), "status", "-l", "en", "--json"])
    data = json.loads(r.output)
    assert data[0]["machine"] == 2 and data[0]["percent"] == 1.7
