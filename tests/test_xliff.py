"""XLIFF 1.2 export/import through Translate Toolkit: inline codes, states, round trip, validation."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from lxml import etree

from pipeline import catalog
from pipeline.cli import main
from pipeline.errors import CatalogError
from pipeline.xliff import NS, export, from_rich, import_file, to_rich, unit_id
from qa_catalogs import entry, make_project, po_file

X = f"{{{NS}}}"


@pytest.mark.parametrize("s", ["<1>引言:</1> 国家<2/>安全", "a <1>b <2>c</2></1> d",
                               "<1>never closed", "closed</1> only", "x \\<1> y \\\\<2/>", "a\\"])
def test_placeholders_survive_inline_codes(s):
    assert from_rich(to_rich(s), "t") == s


def test_export_states_and_codes(project):
    cfg = make_project(project)
    root = etree.fromstring(export(cfg, "en"))
    assert root.get("version") == "1.2" and root.nsmap[None] == NS
    f = root.find(f"{X}file")
    assert (f.get("original"), f.get("source-language"), f.get("target-language")) == ("article", "zh-Hans", "en")
    units = {u.get("id"): u for u in root.iter(f"{X}trans-unit")}
    assert len(units) == 58

    def unit(i):
        return units[unit_id(entry(cfg, i).msgid)]

    assert unit(0).get("approved") == "yes" and unit(0).find(f"{X}target").get("state") == "translated"
    t = unit(2).find(f"{X}target")
    assert (t.get("state"), t.get("state-qualifier"), unit(2).get("approved")) == (
        "needs-review-translation", "mt-suggestion", "no")
    assert unit(5).find(f"{X}target").get("state-qualifier") == "fuzzy-match"
    assert unit(1).find(f"{X}target") is None
    src = unit(2).find(f"{X}source")
    assert src[0].tag == f"{X}g" and src[0].get("id") == "1" and src[0].text == "引言:"


def test_round_trip_without_edits_is_byte_identical(project):
    cfg = make_project(project)
    before = po_file(cfg).read_bytes()
    xlf = project / "en.xlf"
    r = CliRunner().invoke(main, ["-C", str(project), "xliff", "export", "-l", "en", "-o", str(xlf)])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["-C", str(project), "xliff", "import", str(xlf), "--reviewer", "Cat"])
    assert r.exit_code == 0, r.output
    assert "unchanged: 5, untranslated: 53" in r.output
    assert po_file(cfg).read_bytes() == before


def _edit(xlf, cfg, i, *, target=None, approved=None, uid=None):
    tree = etree.parse(str(xlf))
    u = next(u for u in tree.iter(f"{X}trans-unit") if u.get("id") == unit_id(entry(cfg, i).msgid))
    if uid:
        u.set("id", uid)
    if target is not None:
        t = u.find(f"{X}target")
        if t is None:
            t = etree.SubElement(u, f"{X}target")
        for child in list(t):
            t.remove(child)
        t.text = None
        frag = etree.fromstring(f'<t xmlns="{NS}">{target}</t>')
        t.text = frag.text
        t.extend(list(frag))
    if approved:
        u.set("approved", approved)
    tree.write(str(xlf), xml_declaration=True, encoding="UTF-8")


def test_import_edits_and_approvals(project):
    cfg = make_project(project)
    xlf = project / "en.xlf"
    xlf.write_bytes(export(cfg, "en"))
    _edit(xlf, cfg, 2, approved="yes")  # approve the MT as is
    _edit(xlf, cfg, 1, target="China's National Immigration Administration released its latest results.")
    result = import_file(cfg, xlf, reviewer="Cat")
    assert result.counts["reviewed"] == 1 and result.counts["updated, needs review"] == 1
    e2, e1 = entry(cfg, 2), entry(cfg, 1)
    assert catalog.state(e2) == "reviewed" and "reviewed-by: Cat" in e2.tcomment
    assert e1.msgstr.startswith("China's") and catalog.state(e1) == "fuzzy"


def test_import_inline_codes_become_placeholders(project):
    cfg = make_project(project)
    xlf = project / "en.xlf"
    xlf.write_bytes(export(cfg, "en"))
    _edit(xlf, cfg, 2, target='<g id="1">Foreword:</g> Security first.', approved="yes")
    import_file(cfg, xlf, reviewer="Cat")
    assert entry(cfg, 2).msgstr == "<1>Foreword:</1> Security first."


def test_import_errors_write_nothing(project):
    cfg = make_project(project)
    xlf = project / "en.xlf"
    xlf.write_bytes(export(cfg, "en"))
    before = po_file(cfg).read_bytes()
    _edit(xlf, cfg, 1, target="A fine new translation.")  # valid, but must not be written
    _edit(xlf, cfg, 2, target="Foreword: no code.")  # placeholder <1> lost
    _edit(xlf, cfg, 3, uid="s000000000000")
    r = CliRunner().invoke(main, ["-C", str(project), "xliff", "import", str(xlf), "--reviewer", "Cat"])
    assert r.exit_code == 1
    err = r.stderr
    assert err.startswith("Error: en.xlf: 3 problem(s), nothing imported:")
    assert f"unit {unit_id(entry(cfg, 2).msgid)} (locales/en/LC_MESSAGES/article.po:" in err
    assert "placeholder: placeholder </1> missing" in err
    assert "en.xlf:" in err and "unit s000000000000: unknown id" in err
    assert po_file(cfg).read_bytes() == before


def test_import_not_xml(project):
    cfg = make_project(project)
    (project / "bad.xlf").write_text("<xliff><file>", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"bad\.xlf:1: not XML"):
        import_file(cfg, project / "bad.xlf", reviewer="Cat")
