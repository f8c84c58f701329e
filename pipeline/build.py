"""Build stage: source documents + catalogs -> the published site (editions, index, sitemap).

Publication policy: an edition uses reviewed translations only (``include_unreviewed`` adds
machine and fuzzy ones and the page says so); a sentence without a usable translation keeps
the source text marked ``lang=<source>``; an edition whose coverage is under the threshold
is not published. Everything is rendered in memory first and only changed files are written.
"""

from __future__ import annotations

import functools
import http.server
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import polib

from . import catalog, document, extract, page
from .config import Config, bcp47
from .edition import Translation, serialize, text_of, translate, translation_problems
from .errors import ConfigError, PipelineError
from .files import read_bytes, write_atomic
from .segment import Result
from .update import po_path

# States whose msgstr may be shown: reviewed always, the others only with include_unreviewed.
UNREVIEWED_STATES = frozenset({"machine", "fuzzy", "changed"})
# Attributes holding a URL that is relative to the source document. Editions sit one folder
# deeper (site/<lang>/), so such URLs get "../" and the files they name are copied to site/.
URL_ATTRS = ("src", "href", "poster", "data")
ABSOLUTE_URL_RE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:|/|#|\?)")


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
    and edition files of languages no longer published are removed.
    """
    threshold = cfg.threshold if threshold is None else threshold
    if not 0 <= threshold <= 100:
        raise ConfigError("--threshold", f"must be between 0 and 100, got {threshold:g}")
    source_lang = bcp47(cfg.source_language)
    targets = tuple(bcp47(l) for l in (langs or cfg.target_languages) if bcp47(l) != source_lang)
    base_url = cfg.base_url if cfg.base_url.endswith("/") else cfg.base_url + "/"
    result = Result()
    sources = []
    for src in extract.source_documents(cfg):
        rel = cfg.rel(src)
        data = read_bytes(src, rel)
        tree = document.parse(data, rel)
        msgids = {s.msgid for u in document.units(tree) for s in u.sentences}
        title = tree.find(".//title")
        sources.append((src.stem, data, rel, msgids, text_of(title) if title is not None else src.stem))

    plans: dict[tuple[str, str], Plan] = {}
    for lang in targets:
        for doc, _, _, msgids, _ in sources:
            plan = Plan(lang, doc, total=len(msgids))
            po_file = po_path(cfg, lang, doc)
            if po_file.exists():
                where = cfg.rel(po_file)
                plan.translations, plan.reviewed = load_translations(
                    catalog.load(po_file, where), msgids, where=where,
                    include_unreviewed=include_unreviewed, warnings=result.messages)
                plan.usable = len(plan.translations)
            pct = plan.percent(include_unreviewed=include_unreviewed)
            plan.published = pct >= threshold
            if not plan.published:
                what = "translated" if include_unreviewed else "reviewed"
                result.messages.append(f"{lang}: {doc} not published: {int(pct)} % "
                                       f"{what} < {threshold:g} % threshold")
            plans[(lang, doc)] = plan

    outputs: dict[Path, bytes] = {}
    rows, sitemap_entries = [], []
    for doc, data, rel, msgids, title in sources:
        editions = (source_lang,) + tuple(l for l in targets if plans[(l, doc)].published)
        for lang in editions:
            plan = plans.get((lang, doc))
            tree = document.parse(data, rel)
            for asset in _rebase(tree, {d for d, *_ in sources}):
                if (cfg.source / asset).is_file() and cfg.site / asset not in outputs:
                    outputs[cfg.site / asset] = read_bytes(cfg.source / asset, cfg.rel(cfg.source / asset))
            counts = {"unreviewed": 0}
            if plan is not None:
                counts = translate(tree, plan.translations, lang=lang, source_lang=source_lang,
                                   rtl=page.direction(lang) == "rtl",
                                   source_rtl=page.direction(source_lang) == "rtl")
            page.decorate(tree, page.Page(doc, lang, editions, source_lang, base_url,
                                          notice=counts["unreviewed"] > 0))
            outputs[cfg.site / page.path(lang, doc)] = serialize(tree)
            result.add("editions")
        cells = tuple((l, 100.0, True) if l == source_lang else
                      (l, plans[(l, doc)].percent(include_unreviewed=include_unreviewed),
                       plans[(l, doc)].published) for l in (source_lang,) + targets)
        rows.append(page.Row(doc, title, cells))
        sitemap_entries.append((doc, editions))
    outputs[cfg.site / "index.html"] = page.index_page(rows, langs=(source_lang,) + targets,
                                                       source_lang=source_lang)
    outputs[cfg.site / "sitemap.xml"] = page.sitemap(sitemap_entries, base_url=base_url,
                                                     source_lang=source_lang)
    for name in (page.STYLESHEET, page.ICON):
        outputs[cfg.site / name] = resources.files("pipeline").joinpath(name).read_bytes()

    for out, blob in outputs.items():
        rel = cfg.rel(out)
        (result.written if write_atomic(out, blob, rel) else result.unchanged).append(rel)
    _remove_stale(cfg, sources, set(outputs), source_lang, result)
    result.add("unchanged", len(result.unchanged))
    return result


def _rebase(tree, docs: set[str]) -> set[str]:
    """Point relative URLs one folder up; returns the source-relative files they name.

    Links to another source document stay as they are: they reach that document's edition in
    the same language folder.
    """
    assets = set()
    for el in tree.getroot().iter():
        if not isinstance(el.tag, str):
            continue
        for attr in URL_ATTRS:
            url = (el.get(attr) or "").strip()
            if not url or ABSOLUTE_URL_RE.match(url):
                continue
            target = re.split(r"[?#]", url, maxsplit=1)[0]
            if target.endswith(".html") and target[:-5] in docs:
                continue
            el.set(attr, "../" + url)
            parts = Path(target).parts
            if target and ".." not in parts:
                assets.add(Path(*parts).as_posix())
    return assets


def _remove_stale(cfg: Config, sources: list, written: set[Path], source_lang: str,
                  result: Result) -> None:
    """Remove editions of configured languages that this build did not publish."""
    for lang in {source_lang, *(bcp47(l) for l in cfg.target_languages)}:
        for doc, *_ in sources:
            out = cfg.site / page.path(lang, doc)
            if out not in written and out.is_file():
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
