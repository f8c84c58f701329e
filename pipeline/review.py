"""Review stage: walk unreviewed entries (lowest MT score first), accept, edit or skip each.

The loop takes a ``decide`` callback, so the terminal front end lives in cli.py and tests drive
it directly. Every decision is saved at once (atomically), so quitting or a crash loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import polib

from . import catalog, glossary
from .check import check_entry
from .config import Config
from .errors import ConfigError
from .segment import Finding, Result
from .update import catalogs

TODO_STATES = ("machine", "changed", "fuzzy")  # catalog.state values that need a reviewer
ACTIONS = ("accept", "edit", "skip", "quit")


@dataclass(frozen=True)
class Item:
    """One entry as the reviewer sees it."""

    lang: str
    document: str
    where: str  # "locales/en/LC_MESSAGES/article.po:32"
    state: str
    context: str  # extracted comment: element and heading, notes, placeholder legend
    before: tuple[str, str] | None  # (source, translation) of the previous entry
    after: tuple[str, str] | None
    source: str
    translation: str
    previous_source: str  # the old source sentence of a "changed" entry
    provenance: dict | None
    findings: tuple[Finding, ...]
    position: int  # 1-based place in the queue
    total: int
    message: str = ""  # why the last decision on this item was refused


@dataclass(frozen=True)
class Decision:
    """What the reviewer chose for an item."""

    action: str  # one of ACTIONS
    text: str = ""  # the new translation, for "edit"


@dataclass
class _Todo:
    document: str
    path: object
    rel: str
    po: polib.POFile
    index: int
    order: tuple  # sort key: unscored first, then by score, then document order


def _score(entry: polib.POEntry) -> float | None:
    prov = catalog.get_provenance(entry) or {}
    try:
        return float(prov["score"])
    except (KeyError, TypeError, ValueError):
        return None


def queue(cfg: Config, lang: str) -> list[_Todo]:
    """Unreviewed entries of every catalog of ``lang``: unscored ones (no MT to trust) first,
    then by MT score, lowest first; document order breaks ties."""
    todo = []
    for d, (doc, path) in enumerate(catalogs(cfg, lang)):
        rel = cfg.rel(path)
        po = catalog.load(path, rel)
        for i, e in enumerate(po):
            if not e.obsolete and catalog.state(e) in TODO_STATES:
                s = _score(e)
                todo.append(_Todo(doc, path, rel, po, i, (s is not None, s or 0.0, d, i)))
    todo.sort(key=lambda t: t.order)
    return todo


def _neighbour(po: polib.POFile, i: int, step: int) -> tuple[str, str] | None:
    j = i + step
    while 0 <= j < len(po):
        if not po[j].obsolete:
            return po[j].msgid, po[j].msgstr
        j += step
    return None


def accept(entry: polib.POEntry, reviewer: str) -> None:
    """Mark an entry reviewed: no fuzzy flag, no previous msgid, one ``reviewed-by`` line."""
    if "fuzzy" in entry.flags:
        entry.flags.remove("fuzzy")
    entry.previous_msgid = None
    entry.previous_msgctxt = None
    lines = [l for l in (entry.tcomment or "").splitlines()
             if not l.startswith(catalog.REVIEWED_PREFIX)]
    entry.tcomment = "\n".join(lines + [catalog.REVIEWED_PREFIX + reviewer])


def check_reviewer(name: str) -> str:
    """The reviewer's name, stripped; empty or multi-line names raise ConfigError."""
    if not (name or "").strip() or "\n" in name:
        raise ConfigError("--reviewer", "give the reviewer's name (one line), e.g. --reviewer 'Ana Li'")
    return name.strip()


def review(cfg: Config, lang: str, *, decide: Callable[[Item], Decision], reviewer: str) -> Result:
    """Present each unreviewed entry to ``decide`` and apply its decision, saving at once.

    accept: refused (the item comes back with a message) while `check` finds an error.
    edit: the new text replaces the translation; without errors it counts as reviewed, with
    errors it is saved as fuzzy and the item comes back.
    """
    reviewer = check_reviewer(reviewer)
    terms = glossary.load(cfg, lang)
    result = Result()
    todo = queue(cfg, lang)
    for n, t in enumerate(todo, 1):
        entry = t.po[t.index]
        where = f"{t.rel}:{entry.linenum}" if entry.linenum else t.rel
        message = ""
        while True:
            findings = tuple(check_entry(entry, lang=lang, where=where, terms=terms,
                                         source_lang=cfg.source_language))
            item = Item(lang, t.document, where, catalog.state(entry), entry.comment or "",
                        _neighbour(t.po, t.index, -1), _neighbour(t.po, t.index, 1), entry.msgid,
                        entry.msgstr, entry.previous_msgid or "", catalog.get_provenance(entry),
                        findings, n, len(todo), message)
            d = decide(item)
            if d.action not in ACTIONS:
                raise ConfigError("review", f"unknown decision {d.action!r}")
            if d.action == "quit":
                result.add("remaining", len(todo) - n + 1)
                return result
            if d.action == "skip":
                result.add("skipped")
                break
            if d.action == "edit":
                text = d.text.strip("\n")
                if not text.strip() or text == entry.msgstr:
                    message = "Unchanged."
                    continue
                entry.msgstr = text
                if "fuzzy" not in entry.flags:
                    entry.flags.insert(0, "fuzzy")
            errors = [f for f in check_entry(entry, lang=lang, where=where, terms=terms,
                                             source_lang=cfg.source_language)
                      if f.severity == "error"]
            if errors:
                if d.action == "edit":
                    _save(t, reviewer=None)
                    result.add("edited, still fuzzy")
                message = "Not accepted, fix first: " + "; ".join(f"{f.code}: {f.message}" for f in errors)
                continue
            accept(entry, reviewer)
            _save(t, reviewer=reviewer)
            result.add("edited" if d.action == "edit" else "accepted")
            break
    return result


def _save(t: _Todo, *, reviewer: str | None) -> None:
    if reviewer:
        t.po.metadata["Last-Translator"] = reviewer
    catalog.save(t.po, t.path, where=t.rel, date_key="PO-Revision-Date")


def format_item(item: Item) -> str:
    """The reviewer's view of an item as plain text (the CLI prints it)."""
    score = (item.provenance or {}).get("score")
    lines = [f"[{item.position}/{item.total}] {item.document} · {item.where} · {item.state}"
             + (f" · score {score}" if score is not None else "")]
    lines += [f"  {l}" for l in item.context.splitlines()]
    if item.before:
        lines.append(f"  before: {item.before[0]}" + (f"\n          {item.before[1]}" if item.before[1] else ""))
    lines.append(f"  SOURCE: {item.source}")
    if item.previous_source:
        lines.append(f"  was:    {item.previous_source}")
    lines.append(f"  TARGET: {item.translation}")
    if item.after:
        lines.append(f"  after:  {item.after[0]}" + (f"\n          {item.after[1]}" if item.after[1] else ""))
    if item.provenance:
        lines.append("  provenance: " + ", ".join(f"{k}={v}" for k, v in sorted(item.provenance.items())))
    for f in item.findings:
        lines.append(f"  {f.severity.upper()} {f.code}: {f.message}")
    if item.message:
        lines.append(f"  ! {item.message}")
    return "\n".join(lines)
