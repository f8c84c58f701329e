"""Build stage: source documents + catalogs -> the published site (editions, index, sitemap).

Publication policy: an edition uses reviewed translations only (``include_unreviewed`` adds
machine and fuzzy ones and the page says so); a sentence without a usable translation keeps
the source text marked ``lang=<source>``; an edition whose coverage is under the threshold
is not published. Everything is rendered in memory first and only changed files are written.
"""

from __future__ import annotations

import copy
import functools
import http.server
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Collection

import lxml.etree as etree
import polib

from . import catalog, document, extract, incremental, page, unitmap
from .config import Config, Folder, bcp47
from .edition import Translation, serialize, text_of, translate, translation_problems
from .errors import ConfigError, PipelineError
from .files import holds, read_bytes, write_atomic
from .segment import Result
from .update import catalog_dir

# States whose msgstr may be shown: reviewed always, the others only with include_unreviewed.
UNREVIEWED_STATES = frozenset({"machine", "fuzzy", "changed"})
# Attributes holding a URL that is relative to the source document. Editions sit one folder
# deeper (site/<lang>/), so such URLs get "../" and the files they name are copied to site/.
URL_ATTRS = ("src", "href", "poster", "data")
# The values of those attributes, as plain strings: when none is a relative URL (pages often
# link only absolute ones), nothing is rebased and no element need be looked at.
URL_VALUES = etree.XPath(" | ".join(f"//@{a}" for a in URL_ATTRS), smart_strings=False)
# Only the elements that have one of them (most elements of a page have none), found as the
# parents of those attributes: libxml2 tests every element's attributes far more slowly.
URL_ELEMENTS = etree.XPath("(" + " | ".join(f"//@{a}" for a in URL_ATTRS) + ")/..")
ABSOLUTE_URL_RE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:|/|#|\?)")
QUERY_OR_FRAGMENT_RE = re.compile(r"[?#]")


@dataclass
class Plan:
    """One (language, document) edition: its usable translations and whether it is published."""

    lang: str
    doc: str
    translations: dict[str, Translation] = field(default_factory=dict)
    reviewed: int = 0
    usable: int = 0
    total: int = 0
    published: bool = False

    def percent(self, *, include_unreviewed: bool) -> float:
        n = self.usable if include_unreviewed else self.reviewed
        return 100.0 * n / self.total if self.total else 100.0


def load_translations(po: polib.POFile, msgids: set[str], *, where: str, include_unreviewed: bool,
                      warnings: list[str]) -> tuple[dict[str, Translation], int]:
    """Usable translations of ``msgids`` from a catalog, and how many of them are reviewed.

    A translation whose placeholders do not match its source is left out with a warning.
    """
    out: dict[str, Translation] = {}
    reviewed = 0
    for entry in po:
        if entry.obsolete or entry.msgid not in msgids:
            continue
        st = catalog.state(entry)
        if st != "reviewed" and not (include_unreviewed and st in UNREVIEWED_STATES):
            continue
        found = translation_problems(entry.msgid, entry.msgstr)
        if found:
            warnings.append(f"{where}:{entry.linenum}: warning: {'; '.join(found)}; "
                            "the source sentence is used instead")
            continue
        out[entry.msgid] = Translation(entry.msgstr, reviewed=st == "reviewed")
        reviewed += st == "reviewed"
    return out, reviewed


def build(cfg: Config, *, langs: tuple[str, ...] = (), include_unreviewed: bool = False,
          threshold: float | None = None) -> Result:
    """Write ``site/``: every published edition, the source edition, index.html, sitemap.xml
    and assets/style.css. ``langs`` limits the target languages (default: all configured).

    Everything is read and rendered before the first write; unchanged files are not rewritten,
    and edition files of languages no longer published are removed. A document whose source,
    catalogs and settings did not change since its editions were written is not parsed again.
    """
    threshold = cfg.threshold if threshold is None else threshold
    if not 0 <= threshold <= 100:
        raise ConfigError("--threshold", f"must be between 0 and 100, got {threshold:g}")
    source_lang = bcp47(cfg.source_language)
    targets = tuple(bcp47(l) for l in (langs or cfg.target_languages) if bcp47(l) != source_lang)
    base_url = cfg.base_url if cfg.base_url.endswith("/") else cfg.base_url + "/"
    result = Result()
    srcs = extract.source_documents(cfg)
    docs = frozenset(src.stem for src in srcs)
    state = incremental.State(cfg, "build")
    # Paths as text, each worked out once: the checks below are all an unchanged run does.
    # Outputs are named by their path in the site (page.path(), "index.html", an asset).
    source, site = Folder(cfg, cfg.source), Folder(cfg, cfg.site)
    po_dirs = [Folder(cfg, catalog_dir(cfg, lang)) for lang in targets]
    with incremental.Staging(cfg) as staging:
        settings = _Settings(targets, include_unreviewed, threshold, source_lang, base_url, docs, staging,
                             site, tuple(po_dirs))
        jobs = []
        for src in srcs:
            doc = src.stem
            key = _key(state, settings, source, src.name, [(d, f"{doc}.po") for d in po_dirs])
            # The source edition's record lists the document's other editions.
            recs = [_fresh(state, site, page.path(source_lang, doc), key)]
            if recs[0]:
                recs += [_fresh(state, site, page.path(l, doc), key) for l in recs[0]["editions"][1:]]
            jobs.append((key, _replay(recs) if all(recs) else (cfg, src, settings)))
        todo = [job for _, job in jobs if isinstance(job, tuple)]
        if todo:
            page.learn((source_lang,) + targets)  # before the workers fork
        done = iter(incremental.run(_build_doc, todo, jobs=cfg.jobs))

        def flushing(d: dict) -> dict:
            """Start writing a document's new editions to disk while the others are made."""
            for lang, staged, _ in d["outputs"]:
                if staged:
                    staging.flush_soon(staged, site.path(page.path(lang, d["doc"])))
            return d

        # (inputs key, what _build_doc returned, whether that was replayed from the records)
        built = [(key, job, True) if isinstance(job, dict) else (key, flushing(next(done)), False)
                 for key, job in jobs]

        messages = [m for _, d, _ in built for m in d["messages"]]
        order = {lang: i for i, lang in enumerate(targets)}
        messages.sort(key=lambda m: order[m[0]])  # language by language, as before
        result.messages.extend(text for _, text in messages)
        # Output (its name in the site) -> a staged file, "" (edition unchanged), "asset"
        # (copied) or "made" (below).
        outputs: dict[str, str] = {}
        rows, sitemap_entries = [], []
        for key, d, replayed in built:
            for asset in d["assets"]:
                if os.path.isfile(source.path(asset)):
                    outputs.setdefault(asset, "asset")
            for lang, staged, out_hash in d["outputs"]:
                name = page.path(lang, d["doc"])
                outputs[name] = staged or ""
                out = site.path(name)
                if staged:
                    staging.add(staged, out, out_hash)
                if not replayed:  # else its record is already this one
                    details = {k: v for k, v in d.items() if k != "outputs"} if lang == source_lang else {}
                    state.record(out, key, out_hash, **details)
                result.add("editions")
            rows.append(page.Row(d["doc"], d["title"], tuple(tuple(c) for c in d["cells"])))
            sitemap_entries.append((d["doc"], tuple(d["editions"])))
        # The index and the sitemap are made again only when a title, a coverage figure or
        # the list of editions changed.
        listing = incremental.digest("listing", settings.key, repr(rows), repr(sitemap_entries))
        renders = {"index.html": lambda: page.index_page(
                       rows, langs=(source_lang,) + targets, source_lang=source_lang),
                   "sitemap.xml": lambda: page.sitemap(
                       sitemap_entries, base_url=base_url, source_lang=source_lang)}
        made = {}
        for name, render in renders.items():
            outputs[name] = "" if _fresh(state, site, name, listing) else "made"
            if outputs[name]:
                made[name] = render()
        for name in (page.STYLESHEET, page.ICON):
            made[name] = resources.files("pipeline").joinpath(name).read_bytes()
            outputs[name] = "made"
        for name, how in outputs.items():
            out, rel = site.path(name), site.rel(name)
            if how == "made":
                # Staged like the editions, so that the next run knows their signatures.
                made_hash = incremental.digest(made[name])
                changed = state.hash(out, rel=rel) != made_hash
                if changed:
                    staging.add(staging.write(out, made[name], rel, data_hash=made_hash)[0], out, made_hash)
                if name in renders:
                    state.record(out, listing, made_hash)
            elif how == "asset":
                changed = write_atomic(out, read_bytes(source.path(name), source.rel(name)), rel)
            else:
                changed = bool(how)
            (result.written if changed else result.unchanged).append(rel)
        staging.commit(state)
    _remove_stale(cfg, [d["doc"] for _, d, _ in built], outputs.keys(), source_lang, result)
    state.save()
    result.add("unchanged", len(result.unchanged))
    return result


@dataclass(frozen=True)
class _Settings:
    """What every edition of every document depends on besides its own source and catalogs."""

    targets: tuple[str, ...]
    include_unreviewed: bool
    threshold: float
    source_lang: str
    base_url: str
    docs: frozenset[str]  # links to these are links between editions
    staging: incremental.Staging = field(compare=False)
    # Where the editions and the catalogs (one folder per target language) are.
    site: Folder = field(compare=False)
    po_dirs: tuple[Folder, ...] = field(compare=False)

    @functools.cached_property
    def key(self) -> str:
        """Hash of the settings and of the pipeline's code."""
        return incremental.digest(incremental.code_version(), repr((
            self.targets, self.include_unreviewed, self.threshold, self.source_lang,
            self.base_url, sorted(self.docs))))


def _key(state: incremental.State, s: _Settings, source: Folder, name: str,
         po_files: list[tuple[Folder, str]]) -> str:
    """Hash of everything the editions of one document are made from: its source ``name`` in
    the ``source`` folder and ``po_files``, its catalogs (folder, name), one per target language."""
    rel = source.rel(name)
    parts = [s.key, rel, state.hash(source.path(name), rel, rel=rel)]
    for folder, po_name in po_files:
        po_rel = folder.rel(po_name)
        po_hash = state.hash(folder.path(po_name), po_rel, missing_ok=True, rel=po_rel)
        parts.append("(none)" if po_hash is None else po_hash)
    return incremental.digest("editions", *parts)


def _fresh(state: incremental.State, site: Folder, name: str, key: str) -> dict | None:
    """The record of the output ``name`` of the site when it is fresh (see State.fresh)."""
    return state.fresh(site.path(name), key, site.rel(name))


def _replay(recs: list[dict]) -> dict:
    """What :func:`_build_doc` returned for an unchanged document, from the records of its
    editions (the source edition's first: it holds the details)."""
    details = {k: v for k, v in recs[0].items() if k not in ("in", "out")}
    return {**details, "outputs": [(lang, None, rec["out"]) for lang, rec in zip(details["editions"], recs)]}


def _build_doc(job) -> dict:
    """Worker: render the editions of one document and stage those that changed.

    Returns what the index, the sitemap and the messages need, as plain data (it is recorded
    in the state file, so that an unchanged document need not be parsed again).
    """
    cfg, src, s = job
    doc, rel = src.stem, cfg.rel(src)
    data = read_bytes(src, rel)
    tree = document.parse(data, rel)
    # The units extract found in these very bytes, when it left them; else the walk.
    units = unitmap.load(cfg, doc, unitmap.key(data), tree)
    if units is None:
        units = document.units(tree)
    msgids = {s.msgid for u in units for s in u.sentences}
    title = tree.find(".//title")
    title = text_of(title) if title is not None else doc
    # URLs are rebased once: every edition of the document starts from this tree.
    assets = sorted(_rebase(tree, s.docs))
    messages: list[tuple[str, str]] = []
    plans: dict[str, Plan] = {}
    for lang, po_dir in zip(s.targets, s.po_dirs):
        plan = Plan(lang, doc, total=len(msgids))
        po_file = po_dir.path(f"{doc}.po")
        if os.path.exists(po_file):
            where = po_dir.rel(f"{doc}.po")
            warnings: list[str] = []
            plan.translations, plan.reviewed = load_translations(
                catalog.load(po_file, where, translated_only=True), msgids, where=where,
                include_unreviewed=s.include_unreviewed, warnings=warnings)
            plan.usable = len(plan.translations)
            messages += [(lang, w) for w in warnings]
        pct = plan.percent(include_unreviewed=s.include_unreviewed)
        plan.published = pct >= s.threshold
        if not plan.published:
            what = "translated" if s.include_unreviewed else "reviewed"
            messages.append((lang, f"{lang}: {doc} not published: {int(pct)} % "
                                   f"{what} < {s.threshold:g} % threshold"))
        plans[lang] = plan
    editions = (s.source_lang,) + tuple(l for l in s.targets if plans[l].published)
    outputs = []
    for lang in editions:
        plan = plans.get(lang)
        # The last edition takes the parsed and walked tree itself; every other one takes a
        # copy made before that tree is changed (copying is far cheaper than parsing again).
        edition = tree if lang == editions[-1] else copy.deepcopy(tree)
        counts = {"unreviewed": 0}
        if plan is not None:
            counts = translate(edition, plan.translations, lang=lang, source_lang=s.source_lang,
                               rtl=page.direction(lang) == "rtl",
                               source_rtl=page.direction(s.source_lang) == "rtl",
                               units=units if edition is tree else _units_of_copy(units, tree, edition))
        page.decorate(edition, page.Page(doc, lang, editions, s.source_lang, s.base_url,
                                         notice=counts["unreviewed"] > 0))
        blob = serialize(edition)
        name = page.path(lang, doc)
        out = s.site.path(name)
        blob_hash = incremental.digest(blob)
        if holds(out, blob):  # (compared, not hashed)
            outputs.append((lang, None, blob_hash))
        else:
            outputs.append((lang, *s.staging.write(out, blob, s.site.rel(name), data_hash=blob_hash)))
    cells = [(l, 100.0, True) if l == s.source_lang else
             (l, plans[l].percent(include_unreviewed=s.include_unreviewed), plans[l].published)
             for l in (s.source_lang,) + s.targets]
    return {"doc": doc, "title": title, "cells": cells,
            "editions": list(editions), "assets": assets, "messages": messages,
            "outputs": outputs}


def _units_of_copy(units: list[document.Unit], tree, twin_tree) -> list[document.Unit]:
    """``units`` of ``tree`` pointed at the same places in ``twin_tree``, a deep copy of it.

    A copy has the same nodes in the same order, so pairing the two trees' nodes in document
    order pairs each node with its twin; that is several times cheaper than walking the copy.
    """
    twin = dict(zip(tree.iter(), twin_tree.iter()))
    return [_with(u, element=twin[u.element], prev=None if u.prev is None else twin[u.prev],
                  children=[twin[c] for c in u.children],
                  sentences=[_with(s, elements={n: twin[e] for n, e in s.elements.items()})
                             for s in u.sentences])
            for u in units]


def _with(obj, **changes):
    """``dataclasses.replace(obj, **changes)`` for document's dataclasses (whose fields are all
    set by ``__init__``), twice as fast: the fields come from the instance's dict in one step."""
    return type(obj)(**{**vars(obj), **changes})


def _rebase(tree, docs: set[str]) -> set[str]:
    """Point relative URLs one folder up; returns the source-relative files they name.

    Links to another source document stay as they are: they reach that document's edition in
    the same language folder.
    """
    assets = set()
    if not any(_relative(url) for url in URL_VALUES(tree)):
        return assets
    for el in URL_ELEMENTS(tree):
        for attr in URL_ATTRS:
            url = (el.get(attr) or "").strip()
            if not _relative(url):
                continue
            target = QUERY_OR_FRAGMENT_RE.split(url, maxsplit=1)[0]
            if target.endswith(".html") and target[:-5] in docs:
                continue
            el.set(attr, "../" + url)
            parts = Path(target).parts
            if target and ".." not in parts:
                assets.add(Path(*parts).as_posix())
    return assets


def _relative(url: str) -> bool:
    """Whether an attribute's URL is relative to the document (then it is rebased)."""
    url = url.strip()
    return bool(url) and not ABSOLUTE_URL_RE.match(url)


def _remove_stale(cfg: Config, docs: list[str], written: Collection[str], source_lang: str,
                  result: Result) -> None:
    """Remove editions of configured languages that this build did not publish (``written``:
    the outputs of this build, by their names in the site)."""
    site = cfg.site
    for lang in {source_lang, *(bcp47(l) for l in cfg.target_languages)}:
        for doc in docs:
            name = page.path(lang, doc)
            if name in written:
                continue
            out = site / name
            if out.is_file():
                try:
                    out.unlink()
                except OSError as e:
                    raise PipelineError(cfg.rel(out), f"cannot remove: {e.strerror}") from None
                result.messages.append(f"removed {cfg.rel(out)} (not published)")


def make_server(cfg: Config, *, port: int = 8000, host: str = "127.0.0.1") -> http.server.HTTPServer:
    """An HTTP server for ``site/`` on ``host:port`` (port 0: any free port); not yet serving."""
    if not cfg.site.is_dir():
        raise PipelineError(cfg.rel(cfg.site), "no site yet: run `pipeline build` first")
    handler = functools.partial(_QuietHandler, directory=str(cfg.site))
    try:
        return http.server.ThreadingHTTPServer((host, port), handler)
    except OSError as e:
        raise ConfigError(f"--port {port}", f"cannot listen on {host}:{port}: {e.strerror}") from None


def serve(cfg: Config, *, port: int = 8000, ready=None) -> None:
    """Preview ``site/`` on 127.0.0.1 until interrupted; ``ready(url)`` is called once listening."""
    server = make_server(cfg, port=port)
    with server:
        if ready is not None:
            ready(f"http://127.0.0.1:{server.server_address[1]}/")
        server.serve_forever()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files with UTF-8 types for the site's text files; logs nothing per request."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
                      ".xml": "application/xml; charset=utf-8"}

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass
