"""Bilingual HTML report per language: source and translation side by side, review state and QA
findings highlighted, summary bars per language and document.

Pages are built as lxml trees (``lxml.html.builder``), so every catalog string is escaped by
construction: a translation containing ``<script>`` shows as text.
"""

from __future__ import annotations

from pathlib import Path

import lxml.html
from lxml.html import builder as E

from . import catalog, glossary, placeholders
from .check import check_catalog
from .config import Config, bcp47, po_dir_name
from .files import write_atomic
from .segment import Result
from .status import STATES, DocStatus, count, totals
from .update import catalogs

REPORTS_DIR = "reports"  # under the project root; not published with site/
COLORS = {"reviewed": "#2e7d32", "machine": "#f9a825", "changed": "#ef6c00", "fuzzy": "#8d6e63",
          "untranslated": "#bdbdbd"}
CSS = """
body{font:15px/1.5 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4em;vertical-align:top;text-align:left}
td.src,td.tgt{width:38%}.ph{color:#1565c0;font-family:monospace;font-size:.85em}
.bar{display:flex;height:1.1em;width:100%;max-width:40em;border:1px solid #999}.bar span{display:block}
.state{font-size:.8em;padding:0 .4em;border-radius:.3em;color:#fff;white-space:nowrap}
.error{color:#b71c1c}.warning{color:#8d6e00}tr.has-error{background:#ffebee}
.prov,.ctx{color:#666;font-size:.8em}ul.findings{margin:.2em 0;padding-left:1.2em}
.legend span{margin-right:1em}
"""


def _bar(s: DocStatus):
    parts = []
    for st in STATES:
        n = getattr(s, st)
        if n:
            parts.append(E.SPAN(style=f"width:{100 * n / s.entries:.2f}%;background:{COLORS[st]}",
                                title=f"{st}: {n}"))
    return E.DIV(*parts, E.CLASS("bar"))


def _summary_row(label, s: DocStatus, href=None):
    name = E.A(label, href=href) if href else label
    return E.TR(E.TD(name), E.TD(_bar(s)), E.TD(f"{s.percent:.1f}% reviewed"),
                E.TD(", ".join(f"{st} {getattr(s, st)}" for st in STATES if getattr(s, st))))


def _legend():
    return E.P(*[E.SPAN(E.SPAN(st, E.CLASS("state"), style=f"background:{COLORS[st]}")) for st in STATES],
               E.CLASS("legend"))


def _rich(text: str):
    """A placeholder string as a <td> body: placeholders as marked spans, the rest as text."""
    out = []
    for t in placeholders.tokenize(text):
        out.append(E.SPAN(str(t), E.CLASS("ph")) if isinstance(t, placeholders.Tag) else t)
    return out


def _page(title: str, lang: str, *body):
    return E.HTML(E.HEAD(E.META(charset="utf-8"), E.TITLE(title), E.STYLE(CSS)),
                  E.BODY(E.H1(title), *body), lang=lang)


def _write(path: Path, page, cfg: Config) -> bool:
    html = lxml.html.tostring(page, doctype="<!DOCTYPE html>", encoding="unicode", method="html")
    return write_atomic(path, html + "\n", cfg.rel(path))


def language_page(cfg: Config, lang: str) -> tuple[object, list[DocStatus]]:
    """The report page of one language and the status rows it shows."""
    terms = glossary.load(cfg, lang)
    rows, sections = [], []
    for doc, path in catalogs(cfg, lang):
        rel = cfg.rel(path)
        po = catalog.load(path, rel)
        st = count(po, lang=lang, document=doc, path=rel)
        rows.append(st)
        findings = {}
        for f in check_catalog(po, lang=lang, rel=rel, source_lang=cfg.source_language, terms=terms):
            findings.setdefault(f.msgid, []).append(f)
        body = [E.TR(E.TH("#"), E.TH("source"), E.TH("translation"), E.TH("state and findings"))]
        for i, e in enumerate((e for e in po if not e.obsolete), 1):
            state = catalog.state(e)
            fs = findings.get(e.msgid, [])
            cell = [E.SPAN(state, E.CLASS("state"), style=f"background:{COLORS[state]}")]
            if fs:
                cell.append(E.UL(*[E.LI(f"{f.severity} {f.code}: {f.message}", E.CLASS(f.severity))
                                   for f in fs], E.CLASS("findings")))
            prov = catalog.get_provenance(e)
            if prov:
                cell.append(E.DIV(", ".join(f"{k}={v}" for k, v in sorted(prov.items())
                                            if k in ("engine", "model", "score", "tm")), E.CLASS("prov")))
            reviewer = [l for l in (e.tcomment or "").splitlines() if l.startswith(catalog.REVIEWED_PREFIX)]
            if reviewer and state == "reviewed":
                cell.append(E.DIV(reviewer[-1], E.CLASS("prov")))
            src = E.TD(*_rich(e.msgid), E.CLASS("src"), lang=bcp47(cfg.source_language))
            if e.comment:
                src.append(E.DIV(e.comment.splitlines()[0], E.CLASS("ctx")))
            tr = E.TR(E.TD(E.A(str(i), href=f"#{doc}-{i}"), id=f"{doc}-{i}",
                           title=f"{rel}:{e.linenum}"),
                      src, E.TD(*_rich(e.msgstr), E.CLASS("tgt"), lang=lang), E.TD(*cell))
            if any(f.severity == "error" for f in fs):
                tr.set("class", "has-error")
            body.append(tr)
        sections.append(E.H2(f"{doc} ({rel})", id=doc))
        sections.append(E.TABLE(_summary_row(doc, st)))
        sections.append(E.TABLE(*body))
    summary = [_summary_row(r.document, r, href=f"#{r.document}") for r in rows]
    summary += [_summary_row("all documents", t) for t in totals(rows)] if len(rows) > 1 else []
    page = _page(f"Translation report: {lang}", lang, _legend(), E.TABLE(*summary), *sections)
    return page, rows


def report(cfg: Config, langs: tuple[str, ...], *, out_dir: Path | None = None) -> Result:
    """Write ``reports/<L>.html`` per language and ``reports/index.html`` with every language."""
    out_dir = Path(out_dir) if out_dir else cfg.root / REPORTS_DIR
    result = Result()
    index_rows = []
    for lang in langs:
        page, rows = language_page(cfg, lang)
        path = out_dir / f"{po_dir_name(lang)}.html"
        (result.written if _write(path, page, cfg) else result.unchanged).append(cfg.rel(path))
        for t in totals(rows):
            index_rows.append(_summary_row(lang, t, href=path.name))
        if not rows:
            result.messages.append(f"{lang}: no catalogs (run `pipeline update`)")
        result.add("languages")
    index = _page("Translation report", "en", _legend(), E.TABLE(*index_rows))
    path = out_dir / "index.html"
    (result.written if _write(path, index, cfg) else result.unchanged).append(cfg.rel(path))
    return result
