"""Where each language stands: entries per review state, per language and document."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import polib

from . import catalog
from .config import Config
from .placeholders import plain_text
from .update import po_path, templates

STATES = ("reviewed", "machine", "changed", "fuzzy", "untranslated")  # catalog.state values


@dataclass(frozen=True)
class DocStatus:
    """Counts for one catalog; ``missing`` when the template has no catalog for the language yet."""

    lang: str
    document: str
    path: str
    entries: int
    chars: int  # source characters, placeholders left out
    reviewed: int
    machine: int
    changed: int
    fuzzy: int
    untranslated: int
    missing: bool = False

    @property
    def percent(self) -> float:
        """Share of entries reviewed (100 for a document without entries)."""
        return 100.0 * self.reviewed / self.entries if self.entries else 100.0

    def as_dict(self) -> dict:
        return {**asdict(self), "percent": round(self.percent, 1)}


def count(po: polib.POFile, *, lang: str, document: str, path: str) -> DocStatus:
    """The status of one catalog (obsolete entries left out)."""
    entries = [e for e in po if not e.obsolete]
    by = dict.fromkeys(STATES, 0)
    for e in entries:
        by[catalog.state(e)] += 1
    chars = sum(len(plain_text(e.msgid)) for e in entries)
    return DocStatus(lang, document, path, len(entries), chars, **by)


def status(cfg: Config, langs: tuple[str, ...]) -> list[DocStatus]:
    """One DocStatus per language and template; a missing catalog counts as all untranslated."""
    out = []
    for pot_file in templates(cfg):
        doc = pot_file.stem
        for lang in langs:
            path = po_path(cfg, lang, doc)
            rel = cfg.rel(path)
            if path.exists():
                out.append(count(catalog.load(path, rel), lang=lang, document=doc, path=rel))
            else:
                pot = catalog.load(pot_file, cfg.rel(pot_file))
                s = count(pot, lang=lang, document=doc, path=rel)
                out.append(DocStatus(**{**asdict(s), "missing": True}))
    out.sort(key=lambda s: (langs.index(s.lang), s.document))
    return out


def totals(rows: list[DocStatus]) -> list[DocStatus]:
    """One row per language adding up its documents (document ``*``)."""
    out = []
    for lang in dict.fromkeys(r.lang for r in rows):
        mine = [r for r in rows if r.lang == lang]
        sums = {k: sum(getattr(r, k) for r in mine) for k in ("entries", "chars") + STATES}
        out.append(DocStatus(lang, "*", "", **sums, missing=any(r.missing for r in mine)))
    return out


def table(rows: list[DocStatus]) -> str:
    """A plain-text table with a total row per language when it has several documents."""
    head = ("language", "document", "entries", "chars") + STATES + ("% reviewed",)
    lines = [head]
    tot = {t.lang: t for t in totals(rows)}
    for i, r in enumerate(rows):
        lines.append(_cells(r))
        last = i + 1 == len(rows) or rows[i + 1].lang != r.lang
        if last and sum(x.lang == r.lang for x in rows) > 1:
            lines.append(_cells(tot[r.lang], doc="(all)"))
    widths = [max(len(l[c]) for l in lines) for c in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) if j < 2 else c.rjust(w)
                               for j, (c, w) in enumerate(zip(l, widths))).rstrip()
                     for l in lines)


def _cells(r: DocStatus, doc: str | None = None) -> tuple[str, ...]:
    name = doc or r.document + (" (no catalog)" if r.missing else "")
    return (r.lang, name, str(r.entries), str(r.chars), *(str(getattr(r, s)) for s in STATES),
            f"{r.percent:.1f}%")
