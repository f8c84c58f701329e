"""The walk's result kept between stages: extract keeps each document's units as a small map
of node numbers, and build rebuilds them on its own parse of the same bytes instead of walking
the document again.

A map is a cache, never an output: not fsync'd, not in the state file. It is keyed by the hash
of the exact bytes walked, the pipeline's code and the parser's version, and build checks it
against the tree it parsed; any doubt (no map, a stale, torn or damaged one, one that does not
fit the tree) means build walks the document as it would without a map, so output bytes never
depend on the cache.

All maps live in one file, ``.pipeline-cache/units.pack``, rewritten by each extract that does
any work (the new maps, and the others carried over): creating a file per document cost extract
more than the maps save build. The pack is renamed into place only when the run succeeded, so
a failed run leaves the project as it was. Layout:

    pipeline-units <FORMAT> <offset of the index, 20 digits>\n
    the maps (see :func:`encode`), one after the other
    the index: JSON {document: [offset, length]}
"""

from __future__ import annotations

import itertools
import json
import os
import sys
from pathlib import Path

import lxml.etree as etree

from . import document, incremental
from .config import Config
from .files import pid_alive

PACK = "units.pack"  # in the cache folder
MAGIC = b"pipeline-units"
FORMAT = 1  # bump when the layout changes
HEADER = len(MAGIC) + len(f" {FORMAT} ") + 20 + 1
SEPARATOR = "\x00"  # between msgids: the walk's TAG_STAND_IN, which lxml text never holds
# Attribute names a unit can carry: anything else in a map is damage (lxml would refuse to
# set some names, and build must never fail because of the cache).
ATTRS = frozenset(("content", *document.TRANSLATABLE_ATTRS))


def key(data: bytes) -> str:
    """What a map depends on: the source bytes as read (not a hash recorded earlier, which a
    later edit could have outdated), the walk's code, and the parser, which numbers the nodes."""
    return incremental.digest("units", str(FORMAT), incremental.code_version(), etree.__version__,
                              repr(etree.LIBXML_VERSION), sys.version, data)


def load(cfg: Config, doc: str, map_key: str, tree: etree._ElementTree) -> list[document.Unit] | None:
    """The units of ``tree`` (document ``doc``) from its map in the pack; None when there is
    no usable one."""
    try:
        with open(os.path.join(cfg.root, cfg.cache_dir, PACK), "rb") as f:
            where = _index(f).get(doc)
            if where is None:
                return None
            offset, length = where
            f.seek(offset)
            data = f.read(length)
    except (OSError, ValueError, TypeError, RecursionError):
        return None
    return decode(data, map_key, tree)


# The index of the pack last read by this process, with the stat signature of that pack: a
# worker builds many documents, and reading the index for each would cost a good part of what
# the maps save.
_last_index: tuple[tuple, dict] | None = None


def _index(f) -> dict:
    """The index of the open pack ``f``; ValueError when it has none."""
    global _last_index
    st = os.fstat(f.fileno())
    signature = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    if _last_index is not None and _last_index[0] == signature:
        return _last_index[1]
    magic, version, offset = f.read(HEADER).split()
    if magic != MAGIC or int(version) != FORMAT:
        raise ValueError("not a pack of this format")
    f.seek(int(offset))
    index = json.loads(f.read())
    if not isinstance(index, dict):
        raise ValueError("no index")
    _last_index = (signature, index)
    return index


class Pack:
    """The new pack of an extract run: :meth:`add` each map made, then :meth:`commit`.

    The maps are written to ``units.pack.new-<pid>`` as they come (not held in memory), which
    replaces the pack on commit; leaving without a commit removes it.
    """

    def __init__(self, cfg: Config):
        self.folder = cfg.root / cfg.cache_dir
        self.path = self.folder / PACK
        self.new = self.folder / f"{PACK}.new-{os.getpid()}"
        self.file = None
        self.index: dict[str, list[int]] = {}

    def add(self, doc: str, data: bytes | None) -> None:
        """Add the map of ``doc`` (see :func:`encode`; None: it has none)."""
        if data is None:
            return
        try:
            if self.file is None:
                self.folder.mkdir(parents=True, exist_ok=True)
                self.file = open(self.new, "wb")
                self.file.write(_header(0))
            self.index[doc] = [self.file.tell(), len(data)]
            self.file.write(data)
        except OSError:
            self.index.pop(doc, None)

    def commit(self, docs: list[str]) -> None:
        """Complete the pack with the maps of the other ``docs`` (the source documents, in
        order) from the old pack, and put it in its place; maps of documents no longer there
        are left behind, so that the pack does not grow forever. Failures only lose maps."""
        try:
            old = open(self.path, "rb")
        except OSError:
            old = None
        try:
            if old is not None:
                index = _index(old)
                for doc in docs:
                    where = index.get(doc)
                    if doc not in self.index and where is not None:
                        old.seek(where[0])
                        self.add(doc, old.read(where[1]))
        except (OSError, ValueError, TypeError, RecursionError):
            pass  # a damaged old pack: its maps are lost, the walk makes up for them
        finally:
            if old is not None:
                old.close()
        if self.file is not None:
            try:
                offset = self.file.tell()
                self.file.write(json.dumps(dict(sorted(self.index.items())), ensure_ascii=False,
                                           separators=(",", ":")).encode("utf-8"))
                self.file.seek(0)
                self.file.write(_header(offset))
                self.file.close()
                os.replace(self.new, self.path)
            except OSError:
                pass  # no new pack: __exit__ removes what there is of it
        # Leftovers of killed runs.
        for stale in self.folder.glob(f"{PACK}.new-*"):
            pid = stale.name.rpartition("-")[2]
            if pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
                try:
                    stale.unlink()
                except OSError:
                    pass

    def __enter__(self) -> "Pack":
        return self

    def __exit__(self, kind, exc, tb) -> None:
        try:
            if self.file is not None:
                self.file.close()
        except OSError:
            pass
        try:
            os.unlink(self.new)  # (gone already after a commit)
        except OSError:
            pass


def _header(offset: int) -> bytes:
    return b"%s %d %020d\n" % (MAGIC, FORMAT, offset)


def encode(map_key: str, tree: etree._ElementTree, units: list[document.Unit]) -> bytes | None:
    """The map of ``units`` (of ``tree``) as JSON; None for units a map cannot hold.

    Nodes are named by their number in ``tree.iter()`` (document order, which a parse of the
    same bytes repeats). The map is a few flat columns rather than a list per unit and per
    sentence: JSON reads and writes a handful of long lists several times faster than tens of
    thousands of short ones.

      element, attr, prev     per unit: node, attribute name or null, node or null
      child_count, children   per unit: how many inline children; all units' children in turn
      sentence_count          per unit
      msgids                  every sentence's msgid, joined by NUL
      translatable            per sentence: "1" or "0"
      placeholder_count       per sentence; placeholders: (number, node) pairs, all in turn
    """
    number = dict(zip(tree.iter(), itertools.count()))
    sentences = [s for u in units for s in u.sentences]
    # (lists, not generators, in str.join and below: several times faster here)
    msgids = SEPARATOR.join([s.msgid for s in sentences])
    if msgids.count(SEPARATOR) != max(len(sentences) - 1, 0):
        return None  # a msgid holds NUL (lxml text never does): build will walk
    data = {
        "format": FORMAT, "key": map_key, "nodes": len(number),
        "element": [number[u.element] for u in units],
        "attr": [u.attr for u in units],
        "prev": [None if u.prev is None else number[u.prev] for u in units],
        "child_count": [len(u.children) for u in units],
        "children": [number[c] for u in units for c in u.children],
        "sentence_count": [len(u.sentences) for u in units],
        "msgids": msgids,
        "translatable": "".join(["1" if s.translatable else "0" for s in sentences]),
        "placeholder_count": [len(s.elements) for s in sentences],
        "placeholders": [x for s in sentences if s.elements  # (most sentences have none)
                         for n, e in s.elements.items() for x in (n, number[e])],
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode(text: bytes, map_key: str, tree: etree._ElementTree) -> list[document.Unit] | None:
    """The units of ``tree`` from a map (see :func:`encode`); None unless it is well formed,
    has the key ``map_key`` and fits ``tree``.

    The units hold what build reads: element, attr, prev, children and each sentence's msgid,
    elements and translatable. The fields only extract uses (line, context, notes, lead,
    trail, separators) are left empty: extract always walks.
    """
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    nodes = list(tree.iter())
    try:
        if data["format"] != FORMAT or data["key"] != map_key or data["nodes"] != len(nodes):
            return None
        return _units(data, nodes)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        return None


def _units(data: dict, nodes: list) -> list[document.Unit]:
    """The units a map describes on ``nodes``; ValueError (or the like) when it does not fit.

    The checks keep a damaged map from reaching the rebuild, whose tree operations (remove a
    child, find its position) would fail on elements that are not where the map says.
    """
    attrs, prevs, children, child_counts = data["attr"], data["prev"], data["children"], data["child_count"]
    counts, flags = data["sentence_count"], data["translatable"]
    places, pairs = data["placeholder_count"], data["placeholders"]
    # (no sentence at all joins to "", which split would make one empty msgid)
    msgids = data["msgids"].split(SEPARATOR) if sum(counts) else []
    elements = _nodes(nodes, data["element"])
    kids = _nodes(nodes, children)
    given = iter(_nodes(nodes, [p for p in prevs if p is not None]))
    befores = [None if p is None else next(given) for p in prevs]
    numbers = pairs[::2]
    if not (len(elements) == len(attrs) == len(prevs) == len(child_counts) == len(counts)
            and sum(counts) == len(msgids) == len(flags) == len(places)
            and sum(child_counts) == len(children) and sum(places) * 2 == len(pairs)
            and min(child_counts, default=0) >= 0 and min(counts, default=0) >= 0
            and _ints(numbers) and min(numbers, default=1) > 0
            and ATTRS.issuperset(filter(None, attrs)) and set(flags) <= {"0", "1"}):
        raise ValueError("the columns do not fit together")
    placed = iter(zip(numbers, _nodes(nodes, pairs[1::2])))
    sentences = [document.Sentence(msgid, dict(itertools.islice(placed, n)) if n else {}, flag == "1")
                 for msgid, flag, n in zip(msgids, flags, places)]
    out = []
    first_kid = first_sentence = 0  # each unit's share of ``kids`` and ``sentences`` starts here
    for element, attr, before, child_count, count in zip(elements, attrs, befores, child_counts, counts):
        run = kids[first_kid : first_kid + child_count]
        first_kid += child_count
        if before is not None and before.getparent() is not element:
            raise ValueError("a unit's prev is not its element's child")
        for node in run:
            if node.getparent() is not element:
                raise ValueError("a unit's children are not its element's")
        out.append(document.Unit(element, attr, before, run, 0, "", (),
                                 sentences=sentences[first_sentence : first_sentence + count]))
        first_sentence += count
    return out


def _ints(values: list) -> bool:
    """Whether every one of ``values`` is an int (not a bool, a float or anything else)."""
    return set(map(type, values)) <= {int}


def _nodes(nodes: list, numbers: list) -> list:
    """The nodes that ``numbers`` (from a map) name; ValueError when one is not a node number."""
    if numbers and not (_ints(numbers) and 0 <= min(numbers) and max(numbers) < len(nodes)):
        raise ValueError("not a node number")
    return list(map(nodes.__getitem__, numbers))
