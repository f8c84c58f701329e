"""Incremental and parallel runs: unchanged documents are neither parsed nor rewritten, one
changed document is redone alone, and a parallel run writes the bytes of a serial one."""

from __future__ import annotations

import importlib.util
import json
import random
import shutil
from pathlib import Path

import polib
import pytest

from pipeline import build, catalog, config, document, extract, incremental, poreader, unitmap, update
from pipeline.errors import SourceError

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = """[tool.pipeline]
source_language = "zh-Hans"
target_languages = ["en", "fr"]
threshold = 0.0
"""


def _make_corpus():
    spec = importlib.util.spec_from_file_location("make_corpus", ROOT / "bench" / "make_corpus.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A project of six generated articles (links, images, lists, code, tables)."""
    root = tmp_path / "corpus"
    _make_corpus().make(root / "source", 6)
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    return root


def run_all(root: Path, jobs: int = 1):
    cfg = config.load(root, jobs=jobs)
    return (extract.extract(cfg), update.update(cfg, ("en", "fr")), build.build(cfg))


def outputs(root: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime) of every output: an atomic rewrite always gives a new inode."""
    out = {}
    for sub in ("locales", "site"):
        for p in sorted((root / sub).rglob("*")):
            if p.is_file():
                out[p.relative_to(root).as_posix()] = (p.stat().st_ino, p.stat().st_mtime_ns)
    return out


def contents(root: Path) -> dict[str, bytes]:
    """Every output and the state file (not the stat signatures: inodes and times are local)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for sub in ("locales", "site", ".pipeline-cache")
            for p in sorted((root / sub).rglob("*")) if p.is_file() and p.name != incremental.STAT_FILE}


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """Every document and catalog parsed from now on (stages run with jobs=1: in this process)."""
    seen: list[str] = []

    def counting(fn):
        def wrapper(data, where, *a, **kw):
            seen.append(str(where))
            return fn(data, where, *a, **kw)
        return wrapper

    monkeypatch.setattr(document, "parse", counting(document.parse))
    monkeypatch.setattr(catalog, "load", counting(catalog.load))
    return seen


def test_rerun_parses_nothing_and_rewrites_nothing(corpus, parsed):
    run_all(corpus, jobs=2)
    before = outputs(corpus)
    assert len([p for p in before if p.startswith("site/en/")]) == 6
    parsed.clear()
    ex, up, bu = run_all(corpus)
    assert parsed == []
    assert outputs(corpus) == before
    assert ex.written == up.written == bu.written == []
    assert ex.counts["documents"] == 6 and ex.counts["entries"] > 0
    assert up.counts["kept"] == 2 * ex.counts["entries"] and up.counts["new"] == 0
    assert bu.counts["editions"] == 18


def test_changing_one_document_redoes_that_document_only(corpus, parsed):
    run_all(corpus)
    doc = corpus / "source" / "article-0003.html"
    doc.write_text(doc.read_text(encoding="utf-8").replace("</article>", "<p>本文已更新。</p></article>"),
                   encoding="utf-8")
    before = outputs(corpus)
    parsed.clear()
    run_all(corpus)
    assert parsed and all(Path(p).stem == "article-0003" for p in parsed), parsed
    rewritten = sorted(k for k, v in outputs(corpus).items() if before.get(k) != v)
    assert rewritten == ["locales/article-0003.pot", "locales/en/LC_MESSAGES/article-0003.po",
                         "locales/fr/LC_MESSAGES/article-0003.po", "site/en/article-0003.html",
                         "site/fr/article-0003.html", "site/zh-Hans/article-0003.html"]
    assert "本文已更新。" in (corpus / "locales/en/LC_MESSAGES/article-0003.po").read_text(encoding="utf-8")


def test_parallel_run_writes_the_bytes_of_a_serial_run(corpus, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(corpus / "source", other / "source")
    shutil.copy(corpus / "pyproject.toml", other / "pyproject.toml")
    assert incremental.workers(2, 6) == 2
    run_all(corpus, jobs=1)
    run_all(other, jobs=2)
    serial, parallel = contents(corpus), contents(other)
    assert len(serial) > 30 and serial == parallel


def test_edited_catalog_and_deleted_edition_are_redone(corpus, parsed):
    run_all(corpus)
    po_file = corpus / "locales/en/LC_MESSAGES/article-0001.po"
    po = catalog.load(po_file, "po")
    entry = next(e for e in po if e.msgid.endswith("。") and "<" not in e.msgid)
    entry.msgstr = "A reviewed sentence."
    po.save(str(po_file))
    (corpus / "site/fr/article-0004.html").unlink()
    before = outputs(corpus)
    parsed.clear()
    run_all(corpus)
    rewritten = sorted(k for k, v in outputs(corpus).items() if before.get(k) != v)
    # The catalog is merged again (nothing to change in it); the index shows the new coverage.
    assert rewritten == ["site/en/article-0001.html", "site/fr/article-0004.html", "site/index.html"]
    assert "locales/en/LC_MESSAGES/article-0001.po" in parsed
    assert "A reviewed sentence." in (corpus / "site/en/article-0001.html").read_text(encoding="utf-8")


def state_file(root: Path, stage: str) -> Path:
    return root / ".pipeline-cache" / incremental.STATE_FILE.format(stage)


# What each stage parses when it has no records: extract the sources, update the templates
# and the catalogs it merges them into (2 languages), build the sources and their catalogs.
REDONE = {"extract": {".html": 6}, "update": {".pot": 6, ".po": 12}, "build": {".html": 6, ".po": 12}}


@pytest.mark.parametrize("stage", ["extract", "update", "build"])
@pytest.mark.parametrize("damage", ["{not json", None])
def test_damaged_state_file_costs_its_stage_one_full_run_only(corpus, parsed, stage, damage):
    run_all(corpus)
    state = state_file(corpus, stage)
    assert json.loads(state.read_text(encoding="utf-8"))["format"] == incremental.FORMAT
    if damage is None:
        state.unlink()
    else:
        state.write_text(damage, encoding="utf-8")
    before = outputs(corpus)
    parsed.clear()
    run_all(corpus)
    # That stage parses everything again, the others nothing ...
    assert {suffix: sum(p.endswith(suffix) for p in parsed) for suffix in REDONE[stage]} == REDONE[stage]
    assert len(parsed) == sum(REDONE[stage].values())
    assert outputs(corpus) == before  # ... and nothing is rewritten: the bytes are the same
    parsed.clear()
    run_all(corpus)
    assert parsed == []


def test_each_stage_keeps_its_own_records(corpus, parsed):
    (corpus / ".pipeline-cache").mkdir()
    old = corpus / ".pipeline-cache" / incremental.OLD_STATE_FILE
    old.write_text('{"format": 2, "outputs": {}}', encoding="utf-8")
    run_all(corpus)
    assert not old.exists()  # the single state file of older versions is gone
    records = {stage: json.loads(state_file(corpus, stage).read_text(encoding="utf-8"))["outputs"]
               for stage in ("extract", "update", "build")}
    assert sorted(records["extract"]) == [f"locales/article-000{i}.pot" for i in range(6)]
    assert sorted(records["update"]) == [f"locales/{lang}/LC_MESSAGES/article-000{i}.po"
                                         for lang in ("en", "fr") for i in range(6)]
    assert sorted(records["build"]) == sorted(
        [f"site/{lang}/article-000{i}.html" for lang in ("en", "fr", "zh-Hans") for i in range(6)]
        + ["site/index.html", "site/sitemap.xml"])
    # A stage that redoes a document leaves the other stages' records as they are.
    doc = corpus / "source" / "article-0003.html"
    doc.write_text(doc.read_text(encoding="utf-8").replace("</article>", "<p>本文已更新。</p></article>"),
                   encoding="utf-8")
    others = {stage: state_file(corpus, stage).read_bytes() for stage in ("update", "build")}
    extract.extract(config.load(corpus, jobs=1))
    assert {stage: state_file(corpus, stage).read_bytes() for stage in ("update", "build")} == others
    assert json.loads(state_file(corpus, "extract").read_text(encoding="utf-8"))["outputs"] != records["extract"]
    # Update merges only the changed template, and a new language's first catalogs come from
    # the templates' text without parsing them: that takes extract's records (the number of
    # entries of each template it wrote).
    parsed.clear()
    cfg = config.load(corpus, jobs=1)
    up = update.update(cfg, ("en", "fr", "de"))
    assert sorted(parsed) == ["locales/article-0003.pot", "locales/en/LC_MESSAGES/article-0003.po",
                              "locales/fr/LC_MESSAGES/article-0003.po"]
    assert len([p for p in up.written if p.startswith("locales/de/")]) == 6
    parsed.clear()
    build.build(cfg)
    assert parsed and all(Path(p).stem == "article-0003" for p in parsed), parsed
    parsed.clear()
    run_all(corpus)
    assert parsed == []


def test_bad_document_in_a_parallel_run_writes_nothing(corpus):
    (corpus / "source" / "article-0002.html").write_bytes("<html><body><p>中文</p></body></html>".encode("gbk"))
    with pytest.raises(SourceError, match=r"source/article-0002.html:1: not valid UTF-8"):
        extract.extract(config.load(corpus, jobs=2))
    assert not (corpus / "locales").exists()
    assert not list((corpus / ".pipeline-cache").glob("staging-*"))
    assert not (corpus / ".pipeline-cache" / unitmap.PACK).exists()  # nor the maps for build
    assert not list((corpus / ".pipeline-cache").glob(f"{unitmap.PACK}*"))


def _catalog_texts() -> list[str]:
    """Every catalog in the repository, and each of them with a few lines shuffled in."""
    texts = [p.read_text(encoding="utf-8") for pattern in ("locales/**/*.po", "locales/*.pot", "tests/**/*.po*")
             for p in sorted(ROOT.glob(pattern))]
    rng = random.Random(8)
    odd = ["#", "##x", "#,", "#:", "#: a:1 b c:x", "#, fuzzy, c-format", "# c", "#. x", 'msgid "a"',
           'msgstr "b"', '"c\\"d"', '"e"f"', 'msgid ""', "", "#~ msgid \"x\"", 'msgctxt "x"', '#| msgid "y"']
    for text in list(texts):
        lines = text.splitlines()
        for _ in range(10):
            mutated = list(lines)
            for _ in range(rng.randint(1, 3)):
                mutated.insert(rng.randrange(len(mutated) + 1),
                               rng.choice(odd + [rng.choice(lines)] if lines else odd))
            texts.append("\n".join(mutated))
    return texts


def _snapshot(po) -> tuple:
    return (po.header, po.metadata, po.metadata_is_fuzzy, po.wrapwidth, po.encoding, po.fpath,
            [sorted(vars(e).items()) for e in po])


def test_fast_reader_reads_exactly_what_polib_reads():
    fast = 0
    for text in _catalog_texts():
        got = poreader.read(text, wrapwidth=catalog.WRAP)
        if got is None:
            continue  # polib reads it (or reports its error)
        fast += 1
        want = polib.pofile(text, wrapwidth=catalog.WRAP, check_for_duplicates=True)
        assert _snapshot(got) == _snapshot(want), text[:300]
    assert fast > 20


# --- The unit maps extract leaves for build (pipeline/unitmap.py) ------------------------------

# Hand-made cases the generated pages lack: a run after a block child (prev), comments and
# translate="no" inside runs, attributes on inline and void elements, a page of no text.
MAP_CASES = {
    "prev": "<html><body><div>开头<b>一</b>。<p>段落。</p>之后<i>二</i>继续。<p>再一段。</p>尾巴。</div></body></html>",
    "comments": "<html><body><p>前<!-- 注 -->后。<span translate='no'>X</span>又一句。</p>"
                "<p>图<img src='a.png' alt='说明' title='标题'>文<br><a href='#' title='链接'>连</a>。</p></body></html>",
    "empty": "<html><head><title></title></head><body><p> </p></body></html>",
    "numbers": "<html><body><p>12</p><p>3.5 <b>4</b></p></body></html>",
}


def _map_pages() -> list[tuple[str, bytes]]:
    """Every HTML page of tests/ and source/, the cases above, and every 10th page of the
    benchmark corpus (made by bench/make_corpus.py: the bytes of bench/corpus)."""
    files = sorted((ROOT / "tests").rglob("*.html")) + sorted((ROOT / "source").glob("*.html"))
    pages = [(p.relative_to(ROOT).as_posix(), p.read_bytes()) for p in files]
    pages += [(name, text.encode("utf-8")) for name, text in MAP_CASES.items()]
    mc = _make_corpus()
    sentences, headings = mc.material(ROOT / "source" / "article.html")
    pages += [(f"corpus/article-{i:04d}.html", mc.page(i, sentences, headings).encode("utf-8"))
              for i in range(0, 400, 10)]
    return pages


def _shape(units: list[document.Unit], tree) -> list[tuple]:
    """What build reads of the units of ``tree``, each node as its number in document order (a
    node of another tree has none: KeyError)."""
    number = {node: i for i, node in enumerate(tree.iter())}
    return [(number[u.element], u.attr, None if u.prev is None else number[u.prev],
             [number[c] for c in u.children],
             [(s.msgid, s.translatable, {n: number[e] for n, e in s.elements.items()}) for s in u.sentences])
            for u in units]


def test_units_rebuilt_from_a_map_are_the_walks():
    seen = {"prev": 0, "children": 0, "placeholders": 0, "attrs": 0, "untranslatable": 0}
    for name, data in _map_pages():
        tree = document.parse(data, name)
        units = document.units(tree)
        key = unitmap.key(data)
        text = unitmap.encode(key, tree, units)
        twin = document.parse(data, name)  # build parses the same bytes again
        rebuilt = unitmap.decode(text, key, twin)
        assert rebuilt is not None, name
        assert _shape(rebuilt, twin) == _shape(units, tree), name
        seen["prev"] += sum(u.prev is not None for u in units)
        seen["children"] += sum(len(u.children) for u in units)
        seen["attrs"] += sum(u.attr is not None for u in units)
        seen["placeholders"] += sum(len(s.elements) for u in units for s in u.sentences)
        seen["untranslatable"] += sum(not s.translatable for u in units for s in u.sentences)
    assert min(seen.values()) > 0, seen  # every field was put to the test
    # A msgid with NUL (which lxml text never holds) cannot be joined: no map, build walks.
    units[0].sentences[0].msgid = "a\x00b"
    assert unitmap.encode(key, tree, units) is None


class _Walks:
    """Counts document.units calls; with ``refuse`` set, a call fails the run."""

    def __init__(self, monkeypatch):
        self.count, self.refuse, walk = 0, False, document.units

        def units(tree, **kw):
            if self.refuse:
                raise AssertionError("walked a document whose map was there")
            self.count += 1
            return walk(tree, **kw)

        monkeypatch.setattr(document, "units", units)


def _translated(root: Path) -> Path:
    """``root`` (the corpus, with the build test's page and its image) extracted and updated,
    every other entry of each catalog translated and reviewed: build rebuilds some runs and
    marks the others as source text."""
    shutil.copy(ROOT / "tests" / "build" / "mini.html", root / "source" / "mini.html")
    shutil.copy(ROOT / "tests" / "build" / "dog.png", root / "source" / "dog.png")
    cfg = config.load(root, jobs=1)
    extract.extract(cfg)
    update.update(cfg, ("en", "fr"))
    for po_file in sorted((root / "locales").rglob("*.po")):
        po = catalog.load(po_file, "po")
        for entry in list(po)[::2]:
            entry.msgstr = f"[{po_file.parent.parent.name}] {entry.msgid}"  # keeps the placeholders
        po.save(str(po_file))
    return root


def _site(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "site").rglob("*")) if p.is_file()}


def _without_maps(root: Path, twin: Path) -> dict[str, bytes]:
    """The site that build makes of a copy of ``root`` without its maps (it walks every page)."""
    shutil.copytree(root, twin)
    (twin / ".pipeline-cache" / unitmap.PACK).unlink()
    shutil.rmtree(twin / "site", ignore_errors=True)
    build.build(config.load(twin, jobs=1))
    return _site(twin)


def _maps(root: Path) -> dict[str, bytes]:
    """The maps in the pack, by document."""
    data = (root / ".pipeline-cache" / unitmap.PACK).read_bytes()
    magic, version, offset = data[: unitmap.HEADER].split()
    assert magic == unitmap.MAGIC and int(version) == unitmap.FORMAT
    return {doc: data[start : start + length] for doc, (start, length) in json.loads(data[int(offset):]).items()}


def _write_maps(root: Path, maps: dict[str, bytes]) -> None:
    """Replace the pack by one of ``maps``."""
    with unitmap.Pack(config.load(root)) as pack:
        for doc, data in maps.items():
            pack.add(doc, data)
        pack.commit(list(maps))


def test_build_takes_the_units_from_the_maps_and_writes_the_same_bytes(corpus, tmp_path, monkeypatch):
    root = _translated(corpus)
    docs = sorted(p.stem for p in (root / "source").glob("*.html"))
    assert sorted(_maps(root)) == docs
    walks = _Walks(monkeypatch)
    walks.refuse = True  # build must not walk a page whose map is there
    build.build(config.load(root, jobs=1))
    walks.refuse = False
    with_maps = _site(root)
    assert walks.count == 0
    assert _without_maps(root, tmp_path / "twin") == with_maps
    assert walks.count == len(docs)
    assert b"[en] " in with_maps["site/en/mini.html"] and b"[fr] " in with_maps["site/fr/article-0001.html"]


def _damage(how: str):
    """A way for the map of article-0001 (or the whole pack) to be wrong: (project) -> None."""
    page = "article-0001"

    def edit(fn):  # the map, as JSON, changed by fn
        def damage(root: Path):
            maps = _maps(root)
            data = json.loads(maps[page])
            fn(data)
            maps[page] = json.dumps(data, ensure_ascii=False).encode("utf-8")
            _write_maps(root, maps)
        return damage

    def replace(data: bytes | None):
        def damage(root: Path):
            maps = _maps(root)
            maps[page] = data
            _write_maps(root, {doc: m for doc, m in maps.items() if m is not None})
        return damage

    def first(column, value):
        return edit(lambda d: d[column].__setitem__(0, value(d)))

    def source_edited(root):  # the map of the bytes extract saw, not of these
        src = root / "source" / f"{page}.html"
        src.write_text(src.read_text(encoding="utf-8").replace("</body>", "<p>新增一段。</p></body>"),
                       encoding="utf-8")

    def text_edited(root):  # the same nodes, other text: only the key tells
        src = root / "source" / f"{page}.html"
        text = src.read_text(encoding="utf-8")
        assert "。</p>" in text
        src.write_text(text.replace("。</p>", "！</p>"), encoding="utf-8")

    def other_page(root):
        maps = _maps(root)
        maps[page] = maps["article-0000"]
        _write_maps(root, maps)

    def pack(fn):  # the pack file's bytes, changed by fn
        def damage(root):
            path = root / ".pipeline-cache" / unitmap.PACK
            path.write_bytes(fn(path.read_bytes()))
        return damage

    return {
        "torn": replace(b'{"format":1,"key":'),
        "not-json": replace(b"\x00\xff{]"),
        "empty": replace(b""),
        "a-list": replace(b"[1, 2]"),
        "missing": replace(None),
        "stale-key": edit(lambda d: d.update(key="0" * 64)),
        "old-format": edit(lambda d: d.update(format=0)),
        "source-edited": source_edited,
        "text-edited": text_edited,
        "other-page": other_page,
        "node-past-the-end": first("element", lambda d: d["nodes"] + 5),
        "negative-node": first("element", lambda d: -1),
        "node-not-a-number": first("children", lambda d: "1"),
        "child-of-another-element": first("children", lambda d: 0),
        "prev-of-another-element": first("prev", lambda d: 0),
        "missing-column": edit(lambda d: d.pop("children")),
        "columns-disagree": first("child_count", lambda d: d["child_count"][0] + 1),
        "bad-attribute": edit(lambda d: d["attr"].__setitem__(0, "onclick")),
        "bad-placeholder-number": first("placeholders", lambda d: "1"),
        "msgids-joined-wrong": edit(lambda d: d.update(msgids=d["msgids"].replace("\x00", "", 1))),
        # The whole pack: every page is walked.
        "pack-torn": pack(lambda b: b[: len(b) // 2]),
        "pack-without-header": pack(lambda b: b[unitmap.HEADER:]),
        "pack-index-not-json": pack(lambda b: b[: int(b[: unitmap.HEADER].split()[2])] + b"{"),
        "pack-index-a-list": pack(lambda b: b[: int(b[: unitmap.HEADER].split()[2])] + b"[]"),
        "pack-index-past-the-end": pack(lambda b: b[: unitmap.HEADER - 21] + b"%020d\n" % (len(b) + 9)
                                        + b[unitmap.HEADER:]),
    }[how]


ONE_PAGE = ["torn", "not-json", "empty", "a-list", "missing", "stale-key", "old-format", "source-edited",
            "text-edited", "other-page", "node-past-the-end", "negative-node", "node-not-a-number",
            "child-of-another-element", "prev-of-another-element", "missing-column", "columns-disagree",
            "bad-attribute", "bad-placeholder-number", "msgids-joined-wrong"]
ALL_PAGES = ["pack-torn", "pack-without-header", "pack-index-not-json", "pack-index-a-list",
             "pack-index-past-the-end"]


@pytest.mark.parametrize("how", ONE_PAGE + ALL_PAGES)
def test_a_wrong_map_means_a_walk_and_the_same_bytes(corpus, tmp_path, monkeypatch, how):
    root = _translated(corpus)
    _damage(how)(root)
    want = _without_maps(root, tmp_path / "twin")
    walks = _Walks(monkeypatch)
    build.build(config.load(root, jobs=1))
    # That page alone was walked (every page, without a pack) ...
    assert walks.count == (1 if how in ONE_PAGE else len(list((root / "source").glob("*.html"))))
    assert _site(root) == want  # ... and the site is the one a build without maps makes


def test_the_pack_holds_the_maps_of_the_pages_there_are(corpus):
    run_all(corpus)
    pack = corpus / ".pipeline-cache" / unitmap.PACK
    before, signature = _maps(corpus), (pack.stat().st_ino, pack.stat().st_mtime_ns)
    assert len(before) == 6
    run_all(corpus)  # nothing to redo: the pack is neither read nor written
    assert (pack.stat().st_ino, pack.stat().st_mtime_ns) == signature
    killed = pack.with_name(f"{unitmap.PACK}.new-999999999")  # a killed run's (no such process)
    killed.write_bytes(b"x")
    (corpus / "source" / "article-0005.html").unlink()
    doc = corpus / "source" / "article-0003.html"
    doc.write_text(doc.read_text(encoding="utf-8").replace("</article>", "<p>本文已更新。</p></article>"),
                   encoding="utf-8")
    extract.extract(config.load(corpus, jobs=1))
    after = _maps(corpus)
    assert sorted(after) == [f"article-000{i}" for i in (0, 1, 2, 3, 4)]
    assert [doc for doc in after if after[doc] != before[doc]] == ["article-0003"]
    assert not killed.exists()


@pytest.mark.parametrize("root, folder", [
    (".", "."), (".", "locales"), (".", "locales/en/LC_MESSAGES"), (".", "/elsewhere/site"),
    ("/p", "/p"), ("/p", "/p/site"), ("/p/", "/p/locales/en"), ("/p", "/srv/site"),
    ("/p", "/p/../q"), ("/p", "/"), ("/", "/site")])
def test_folder_paths_are_pathlibs_and_rels(root, folder):
    # The text that config.Folder joins is what pathlib and Config.rel give, file by file.
    cfg = config.Config(root=Path(root))
    files = config.Folder(cfg, Path(folder))
    for name in ("article-0001.po", "en/article-0001.html", "..html"):
        assert files.path(name) == str(Path(folder) / name)
        assert files.rel(name) == cfg.rel(Path(folder) / name)
