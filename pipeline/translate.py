"""Translation stage: fill untranslated catalog entries from translation memory, then MT.

Per language: every catalog is read; exact matches of reviewed translations (any document,
obsolete entries too) are reused first; the rest is cut into fragments (fragments.py), and all
fragments of the language, each once, go to the engine in its batches, through the MT cache.
Every filled entry stays fuzzy and records where it came from; reviewed entries are never
touched. Catalogs are written once at the end; the cache keeps finished batches meanwhile.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import polib

from . import catalog, fragments, glossary
from .config import Config
from .engines import ENGINES
from .errors import ConfigError
from .mtcache import Cache
from .placeholders import problems
from .segment import Result
from .sentences import joiner
from .update import catalogs

MT_ENGINES = ("argos", "opencc", "tm")  # provenance engines whose unedited output --refresh redoes
Progress = Callable[[str, int, int], None]  # (language, fragments done, fragments in all)


def output_hash(msgstr: str) -> str:
    """Short hash of a filled msgstr: equal to the recorded one means nobody edited it."""
    return hashlib.sha256(msgstr.encode("utf-8")).hexdigest()[:16]


def refreshable(entry: polib.POEntry) -> bool:
    """Machine output (MT or TM) that is still fuzzy and exactly as the pipeline wrote it."""
    rec = catalog.get_provenance(entry)
    return (catalog.state(entry) == "machine" and rec is not None and rec.get("engine") in MT_ENGINES
            and rec.get("hash") == output_hash(entry.msgstr))


def make_engine(cfg: Config, name: str, lang: str):
    """The engine called ``name`` for source -> ``lang``."""
    if name == "argos":
        from .engines.argos import ArgosEngine

        return ArgosEngine(cfg, cfg.source_language, lang)
    if name == "opencc":
        from .engines.opencc import OpenCCEngine

        return OpenCCEngine(cfg.source_language, lang)
    raise _unknown_engine("--engine", name)


def _unknown_engine(where: str, name: str) -> ConfigError:
    return ConfigError(where, f"unknown engine {name!r} (choose {' or '.join(ENGINES)})")


def translate(cfg: Config, langs: tuple[str, ...], *, engine: str | None = None,
              refresh: bool = False, progress: Progress | None = None,
              engine_factory: Callable = make_engine) -> Result:
    """Fill the catalogs of ``langs``; see the module docstring. Returns counts and messages."""
    name = engine or cfg.engine
    where = "--engine" if engine else f"{cfg.rel(cfg.root / 'pyproject.toml')}: [tool.pipeline] engine"
    if name not in ENGINES:
        raise _unknown_engine(where, name)
    result = Result()
    for lang in langs:
        _translate_language(cfg, lang, name, refresh, progress, engine_factory, result)
    return result


def _translate_language(cfg, lang, name, refresh, progress, engine_factory, result) -> None:
    files = [(doc, path, cfg.rel(path)) for doc, path in catalogs(cfg, lang)]
    if not files:
        result.messages.append(f"{lang}: no catalogs; run `pipeline update --lang {lang}` first")
        return
    pos = [(catalog.load(path, rel), path, rel) for _, path, rel in files]
    memory = _memory(pos)
    # MT writes a term's preferred rendering (the first of its variants).
    terms = [(s, glossary.variants(t)[0]) for s, t, _ in glossary.load(cfg, lang)]
    todo: list[tuple[polib.POEntry, str]] = []  # (entry, catalog rel)
    for po, _, rel in pos:
        for e in po:
            if e.obsolete or not e.msgid:
                continue
            if catalog.state(e) == "untranslated" or (refresh and refreshable(e)):
                todo.append((e, rel))
    changed: set[str] = set()
    plans = {}
    for e, rel in todo:
        if e.msgid in memory:
            text, where = memory[e.msgid]
            _fill(e, text, {"engine": "tm", "tm": where})
            changed.add(rel)
            result.add("from memory")
        else:
            plans.setdefault(e.msgid, fragments.plan(e.msgid, terms))
    if not plans:
        _save(pos, changed, result)
        return
    eng = engine_factory(cfg, name, lang)
    wanted = sorted({f for parts in plans.values() for f in fragments.fragments(parts)})
    outputs = _run(eng, wanted, cfg, lang, progress, result)
    latin = joiner(lang) == " "
    for e, rel in todo:
        if e.msgid not in plans:
            continue
        parts = plans[e.msgid]
        text, found = fragments.assemble(e.msgid, parts, {f: outputs[f][0] for f in fragments.fragments(parts)},
                                         latin=latin)
        if found:
            result.messages.append(f"{rel}: {e.msgid[:40]!r}: MT output not written ({'; '.join(found)})")
            result.add("flagged")
            continue
        record = dict(eng.record)
        scores = [outputs[f][1] for f in fragments.fragments(parts) if outputs[f][1] is not None]
        if scores:
            record["score"] = round(sum(scores), 4)
        used = [p.source for p in parts if p.kind == "term"]
        if used:
            record["glossary"] = sorted(set(used))
        _fill(e, text, record)
        changed.add(rel)
        result.add("machine-translated")
    _save(pos, changed, result)


def _memory(pos) -> dict[str, tuple[str, str]]:
    """msgid -> (reviewed msgstr, catalog) over all catalogs of a language, first one wins."""
    memory: dict[str, tuple[str, str]] = {}
    for po, _, rel in pos:
        for e in po:
            if (e.msgid and e.msgid not in memory and catalog.state(e) == "reviewed"
                    and not problems(e.msgid, e.msgstr)):
                memory[e.msgid] = (e.msgstr, rel)
    return memory


def _fill(entry: polib.POEntry, text: str, record: dict) -> None:
    entry.msgstr = text
    if "fuzzy" not in entry.flags:
        entry.flags.append("fuzzy")
    catalog.set_provenance(entry, {**record, "hash": output_hash(text)})


def _run(eng, wanted: list[str], cfg: Config, lang: str, progress, result) -> dict:
    """Translate the fragments: cached ones from the cache, the rest in the engine's batches."""
    cache = Cache(cfg.root / cfg.cache_dir, eng.key) if eng.cached else None
    out: dict[str, tuple[str, float | None]] = {}
    missing = []
    for f in wanted:
        hit = cache.get(f) if cache else None
        if hit is None:
            missing.append(f)
        else:
            out[f] = hit
    result.add("fragments cached", len(wanted) - len(missing))
    total, done = len(missing), 0
    if progress and total:
        progress(lang, 0, total)
    for batch in eng.batches(missing):
        got = eng.translate(batch)
        rows = [(s, o, sc) for s, (o, sc) in zip(batch, got)]
        if cache:
            cache.add(rows)
        out.update({s: (o, sc) for s, o, sc in rows})
        result.add("model batches")
        done += len(batch)
        if progress:
            progress(lang, done, total)
    return out


def _save(pos, changed: set[str], result: Result) -> None:
    for po, path, rel in pos:
        if rel not in changed:
            result.unchanged.append(rel)
        elif catalog.save(po, path, where=rel, date_key="PO-Revision-Date"):
            result.written.append(rel)
        else:
            result.unchanged.append(rel)
