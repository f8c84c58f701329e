"""The review loop through its decide callback, and `pipeline review` driven by CliRunner input."""

from __future__ import annotations

import polib
import pytest
from click.testing import CliRunner

from pipeline import catalog
from pipeline.cli import main
from pipeline.errors import ConfigError
from pipeline.review import Decision, review
from qa_catalogs import EN, entry, make_project, po_file


def scripted(*decisions):
    """A decide callback answering from a list, recording the items it was shown."""
    seen = []
    answers = list(decisions)

    def decide(item):
        seen.append(item)
        return answers.pop(0)

    return decide, seen


def test_order_unscored_first_then_lowest_score(project):
    cfg = make_project(project)
    decide, seen = scripted(*[Decision("skip")] * 4)
    result = review(cfg, "en", decide=decide, reviewer="Ana")
    # 5 changed and 6 fuzzy have no score; then machine 2 (-0.30) before 3 (-0.05).
    assert [i.source for i in seen] == [entry(cfg, n).msgid for n in (5, 6, 2, 3)]
    assert [i.state for i in seen] == ["changed", "fuzzy", "machine", "machine"]
    assert result.counts == {"skipped": 4}
    first = seen[0]
    assert first.context.startswith("<h2>") and first.previous_source.endswith("忠诚卫士")
    assert first.before == (entry(cfg, 4).msgid, "") and first.after[1] == EN[6][0]
    assert seen[2].provenance["score"] == -0.30


def test_accept_clears_fuzzy_and_records_reviewer_at_once(project):
    cfg = make_project(project)
    snapshots = []

    def decide(item):
        if item.position == 2:  # the first decision must be on disk already
            snapshots.append(entry(cfg, 5))
            raise KeyboardInterrupt
        return Decision("accept")

    with pytest.raises(KeyboardInterrupt):
        review(cfg, "en", decide=decide, reviewer="Ana Li")
    e = snapshots[0]
    assert catalog.state(e) == "reviewed" and e.previous_msgid is None
    assert "reviewed-by: Ana Li" in e.tcomment.splitlines()
    assert polib.pofile(str(po_file(cfg))).metadata["Last-Translator"] == "Ana Li"


def test_accept_refused_on_error_then_edit_fixes(project):
    cfg = make_project(project)
    path = po_file(cfg)
    po = polib.pofile(str(path))
    po[2].msgstr = po[2].msgstr.replace("</1>", "")
    po.save(str(path))
    fixed = EN[2][0]
    decide, seen = scripted(Decision("skip"), Decision("skip"), Decision("accept"),
                            Decision("edit", fixed + "\n"), Decision("quit"))
    result = review(cfg, "en", decide=decide, reviewer="Ana")
    assert seen[3].message.startswith("Not accepted, fix first: placeholder")
    assert seen[3].source == seen[2].source
    e = entry(cfg, 2)
    assert e.msgstr == fixed and catalog.state(e) == "reviewed"
    assert catalog.get_provenance(e)["score"] == -0.30  # the MT record stays
    assert result.counts == {"skipped": 2, "edited": 1, "remaining": 1}


def test_edit_with_error_is_saved_fuzzy(project):
    cfg = make_project(project)
    decide, _ = scripted(Decision("edit", "Fighting <b>crime</b>"), Decision("quit"))
    result = review(cfg, "en", decide=decide, reviewer="Ana")
    e = entry(cfg, 5)
    assert e.msgstr == "Fighting <b>crime</b>" and "fuzzy" in e.flags
    assert result.counts["edited, still fuzzy"] == 1


def test_reviewer_required(project):
    cfg = make_project(project)
    with pytest.raises(ConfigError, match="reviewer"):
        review(cfg, "en", decide=lambda i: Decision("quit"), reviewer=" ")


def test_cli_review_keys(project):
    cfg = make_project(project)
    new = "Fighting cross-border crime: a loyal guardian of border security"
    r = CliRunner().invoke(main, ["-C", str(project), "review", "-l", "en", "--reviewer", "Bo"],
                           input=f"a\ne\n{new}\ns\nq\n")
    assert r.exit_code == 0, r.output
    assert "[1/4] article · locales/en/LC_MESSAGES/article.po:" in r.output
    assert "SOURCE: 打击跨境犯罪:国门安全的坚强卫士" in r.output and "was:    " in r.output
    assert "accepted: 1, edited: 1, skipped: 1, remaining: 1" in r.output
    assert catalog.state(entry(cfg, 5)) == "reviewed"
    assert entry(cfg, 6).msgstr == new and "reviewed-by: Bo" in entry(cfg, 6).tcomment
    assert catalog.state(entry(cfg, 2)) == "machine"


def test_cli_review_edit_in_editor(project, monkeypatch):
    cfg = make_project(project)
    monkeypatch.setattr("click.edit", lambda text: "Edited in the editor\n")
    r = CliRunner().invoke(main, ["-C", str(project), "review", "-l", "en", "--reviewer", "Bo"],
                           input="e\n\nq\n")
    assert r.exit_code == 0, r.output
    assert entry(cfg, 5).msgstr == "Edited in the editor"
