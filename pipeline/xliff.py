"""XLIFF 1.2 exchange for CAT tools, through Translate Toolkit's ``translate.storage.xliff``.

One ``<file original="<doc>">`` per catalog; a unit id is a hash of the msgid (the msgid is the
identity). Placeholders become XLIFF inline codes that CAT tools protect: ``<1>…</1>`` -> ``<g>``,
``<2/>`` -> ``<x/>``, an unbalanced one -> ``<bx/>``/``<ex/>``. Review state maps to ``approved``
and ``state`` (see STATE_OUT). Import changes only what the file changes, so an unedited round
trip leaves every catalog byte-identical.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import polib
from lxml import etree
from translate.storage import xliff as ttxliff
from translate.storage.placeables import StringElem
from translate.storage.placeables import xliff as px

from . import catalog, glossary, placeholders
from .check import check_entry
from .config import Config, bcp47, po_dir_name
from .errors import CatalogError
from .files import read_bytes, write_atomic
from .review import accept, check_reviewer
from .segment import Result
from .update import catalogs, po_path

XLIFF_DIR = "xliff"  # default folder for exported files, under the project root
NS = "urn:oasis:names:tc:xliff:document:1.2"
SKELETON = (f'<?xml version="1.0" encoding="UTF-8"?>\n<xliff version="1.2" xmlns="{NS}">'
            '<file original="NoName" source-language="en" datatype="plaintext"><body/></file></xliff>')


class Unit(ttxliff.xliffunit):
    namespace = NS


class Store(ttxliff.xlifffile):
    """Translate Toolkit's XLIFF store, writing version 1.2 (it defaults to 1.1)."""

    UnitClass = Unit
    namespace = NS
    XMLskeleton = SKELETON


# catalog.state -> (target state, state-qualifier, approved). Untranslated: no <target>.
STATE_OUT = {
    "reviewed": ("translated", None, "yes"),
    "machine": ("needs-review-translation", "mt-suggestion", "no"),
    "changed": ("needs-review-translation", "fuzzy-match", "no"),
    "fuzzy": ("needs-review-translation", None, "no"),
}
# Target states that count as reviewed on import (with or without approved="yes").
REVIEWED_STATES = frozenset({"translated", "signed-off", "final"})


def unit_id(msgid: str) -> str:
    """A trans-unit id: a short hash of the msgid, which is the entry's identity."""
    return "s" + hashlib.sha1(msgid.encode("utf-8")).hexdigest()[:12]


# --- placeholders <-> inline codes ----------------------------------------------------------

def to_rich(s: str) -> list[StringElem]:
    """A placeholder string as Translate Toolkit placeables."""
    tokens = placeholders.tokenize(s)
    if any("closes out of order" in p or "never closed" in p for p in placeholders.problems(s, s)):
        flat = [t if isinstance(t, str) else
                px.X(id=str(t.n)) if t.kind == "void" else
                px.Bx(id=str(t.n)) if t.kind == "open" else px.Ex(id=str(t.n)) for t in tokens]
        return [StringElem(flat)]
    stack: list[list] = [[]]
    for t in tokens:
        if isinstance(t, str):
            stack[-1].append(t)
        elif t.kind == "void":
            stack[-1].append(px.X(id=str(t.n)))
        elif t.kind == "open":
            stack.append([])
        else:
            sub = stack.pop()
            stack[-1].append(px.G(id=str(t.n), sub=[StringElem(sub)] if sub else []))
    return [StringElem(stack[0])]


def from_rich(rich, where: str) -> str:
    """Placeables back to a placeholder string; codes we never write raise CatalogError."""
    tokens: list = []

    def walk(el):
        if isinstance(el, str):
            tokens.append(el)
            return
        kind = {px.G: "pair", px.X: "void", px.Bx: "open", px.Ex: "close"}.get(type(el))
        if kind is None and type(el) is not StringElem:
            raise CatalogError(where, f"unsupported inline element {type(el).__name__}: {el}")
        if kind is not None:
            try:
                n = int(el.id)
            except (TypeError, ValueError):
                raise CatalogError(where, f"inline code id {el.id!r} is not a placeholder number") from None
            if not 1 <= n <= 9999:
                raise CatalogError(where, f"inline code id {el.id!r} is not a placeholder number")
        if kind == "void":
            tokens.append(placeholders.Tag("void", n))
            return
        if kind in ("open", "close"):
            tokens.append(placeholders.Tag(kind, n))
            return
        if kind == "pair":
            tokens.append(placeholders.Tag("open", n))
        for sub in el.sub:
            walk(sub)
        if kind == "pair":
            tokens.append(placeholders.Tag("close", n))

    for el in rich or []:
        walk(el)
    return placeholders.join(tokens)


# --- export ---------------------------------------------------------------------------------

def export(cfg: Config, lang: str) -> bytes:
    """The XLIFF of every catalog of ``lang`` (obsolete entries left out)."""
    docs = catalogs(cfg, lang)
    if not docs:
        raise CatalogError(cfg.rel(cfg.locales), f"no catalogs for {lang}: run `pipeline update`")
    store = Store()
    store.setsourcelanguage(bcp47(cfg.source_language))
    store.settargetlanguage(bcp47(lang))
    for doc, path in docs:
        rel = cfg.rel(path)
        po = catalog.load(path, rel)
        store.switchfile(doc, createifmissing=True)
        seen: dict[str, str] = {}
        for e in po:
            if e.obsolete:
                continue
            uid = unit_id(e.msgid)
            if uid in seen:  # pragma: no cover - a 48-bit hash collision
                raise CatalogError(f"{rel}:{e.linenum}", f"unit id {uid} also used by {seen[uid]!r}")
            seen[uid] = e.msgid
            unit = store.UnitClass("")
            unit.rich_source = to_rich(e.msgid)
            state = catalog.state(e)
            if state != "untranslated":
                unit.rich_target = to_rich(e.msgstr)
                tstate, qualifier, approved = STATE_OUT[state]
                target = unit.getlanguageNode(lang=None, index=1)
                target.set("state", tstate)
                if qualifier:
                    target.set("state-qualifier", qualifier)
                unit.xmlelement.set("approved", approved)
            if e.comment:
                unit.addnote(e.comment, origin="developer")
            if e.previous_msgid:
                unit.addnote(f"previous source: {e.previous_msgid}", origin="pipeline")
            if e.tcomment:
                unit.addnote(e.tcomment, origin="translator")
            for path_, line in e.occurrences:
                unit.addlocation(f"{path_}:{line}")
            store.addunit(unit)
            unit.setid(uid)
    return bytes(store)


def export_file(cfg: Config, lang: str, output: Path | None = None) -> Path:
    """Write :func:`export` atomically to ``output`` (default ``xliff/<L>.xlf``); the path."""
    path = Path(output) if output else cfg.root / XLIFF_DIR / f"{po_dir_name(lang)}.xlf"
    write_atomic(path, export(cfg, lang))
    return path


# --- import ---------------------------------------------------------------------------------

def import_file(cfg: Config, xlf: Path, *, reviewer: str) -> Result:
    """Apply the targets and review states of an XLIFF file to the catalogs.

    Everything is validated first (unknown files or ids, placeholder and other check errors in
    changed units); any problem raises CatalogError listing them all and nothing is written.
    """
    reviewer = check_reviewer(reviewer)
    where = cfg.rel(xlf)
    data = read_bytes(xlf, where)
    try:
        store = Store.parsestring(data)
    except etree.XMLSyntaxError as e:
        raise CatalogError(f"{where}:{e.lineno}", f"not XML: {e.msg}") from None
    except ValueError as e:
        raise CatalogError(where, str(e)) from None
    result = Result()
    problems: list[str] = []
    changed: dict[Path, tuple[polib.POFile, str]] = {}
    root = store.document.getroot()
    for filenode in root.iterchildren(f"{{{store.namespace}}}file"):
        doc = filenode.get("original") or ""
        lang = filenode.get("target-language") or ""
        if not lang:
            problems.append(f"{where}:{filenode.sourceline}: <file original={doc!r}> has no target-language")
            continue
        path = po_path(cfg, lang, doc)
        rel = cfg.rel(path)
        if "/" in doc or not path.is_file():
            problems.append(f"{where}:{filenode.sourceline}: no catalog {rel} for file {doc!r}")
            continue
        po = catalog.load(path, rel)
        by_id = {unit_id(e.msgid): e for e in po if not e.obsolete}
        terms = glossary.load(cfg, lang)
        dirty = False
        for node in filenode.iter(f"{{{store.namespace}}}trans-unit"):
            unit = store.UnitClass.createfromxmlElement(node)
            unit.namespace = store.namespace
            uid = node.get("id") or ""
            loc = f"{where}:{node.sourceline}: unit {uid}"
            entry = by_id.get(uid)
            if entry is None:
                problems.append(f"{loc}: unknown id (not in {rel}; export again after `pipeline update`)")
                continue
            target_node = unit.getlanguageNode(lang=None, index=1)
            try:
                text = from_rich(unit.rich_target, loc) if target_node is not None else ""
            except CatalogError as e:
                problems.append(str(e))
                continue
            if not text.strip():
                result.add("untranslated")
                continue  # an empty target never drops a translation
            reviewed = node.get("approved") == "yes" or target_node.get("state") in REVIEWED_STATES
            if placeholders.tokenize(text) == placeholders.tokenize(entry.msgstr):
                text = entry.msgstr  # same tokens, maybe spelled differently: keep the catalog's
            was_reviewed = catalog.state(entry) == "reviewed"
            if text == entry.msgstr and reviewed == was_reviewed:
                result.add("unchanged")
                continue
            entry.msgstr = text
            if reviewed:
                errors = [f for f in check_entry(entry, lang=lang, where=loc, terms=terms,
                                                 source_lang=cfg.source_language)
                          if f.severity == "error"]
                if errors:
                    problems.extend(f"{loc} ({rel}:{entry.linenum}): {f.code}: {f.message}" for f in errors)
                    continue
                accept(entry, reviewer)
                result.add("reviewed")
            else:
                for p in placeholders.problems(entry.msgid, text):
                    problems.append(f"{loc} ({rel}:{entry.linenum}): placeholder: {p}")
                if "fuzzy" not in entry.flags:
                    entry.flags.insert(0, "fuzzy")
                result.add("updated, needs review")
            dirty = True
        if dirty:
            changed[path] = (po, rel)
    if problems:
        raise CatalogError(where, f"{len(problems)} problem(s), nothing imported:\n  " + "\n  ".join(problems))
    for path, (po, rel) in changed.items():
        if catalog.save(po, path, where=rel, date_key="PO-Revision-Date"):
            result.written.append(rel)
    return result
