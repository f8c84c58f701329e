"""`pipeline report`: bilingual HTML, escaped, with states, findings and summary bars."""

from __future__ import annotations

import html5lib
import polib
from click.testing import CliRunner

from pipeline.cli import main
from qa_catalogs import make_project, po_file


def test_report_escapes_and_highlights(project):
    cfg = make_project(project)
    path = po_file(cfg)
    po = polib.pofile(str(path))
    po[6].msgstr = "Crime <script>alert('x')</script> &amp; rampant."
    po.save(str(path))
    r = CliRunner().invoke(main, ["-C", str(project), "report", "-l", "en"])
    assert r.exit_code == 0, r.output
    assert "wrote reports/en.html" in r.output and "wrote reports/index.html" in r.output
    text = (project / "reports" / "en.html").read_text(encoding="utf-8")
    assert "<script" not in text
    assert "&lt;script&gt;alert('x')&lt;/script&gt; &amp;amp; rampant." in text
    doc = html5lib.parse(text, namespaceHTMLElements=False)
    assert doc.find(".//script") is None
    rows = doc.findall(".//tr[@class='has-error']")
    assert len(rows) == 1 and "unsafe" in "".join(rows[0].itertext())
    states = [s.text for s in doc.iter("span") if s.get("class") == "state"]
    assert {"reviewed", "machine", "changed", "fuzzy", "untranslated"} <= set(states)
    assert doc.find(".//div[@class='bar']") is not None
    assert doc.find(".//span[@class='ph']").text == "<1>"
    index = (project / "reports" / "index.html").read_text(encoding="utf-8")
    assert 'href="en.html"' in index and "1.7% reviewed" in index
