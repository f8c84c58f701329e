"""Incremental and parallel stages: redo only what changed, one document per worker process.

Each output file is recorded in its stage's state file (``.pipeline-cache/state-extract.json``,
``state-update.json``, ``state-build.json``) with a hash of everything it was made from (source
bytes, catalog bytes, settings, the pipeline's own code) and a hash of the bytes written. A later
run skips an output whose inputs hash the same and whose bytes are still those recorded, so an
unchanged document is neither parsed nor rewritten; a lost or corrupt state file only costs its
stage one full run. Extract, update and build all go through here. One file per stage, because
a stage needs only its own records and reading the others' would be most of what a run that
finds nothing to do costs.

Hashing every input and output again would read the whole project on every run. Like make,
ninja and git, ``.pipeline-cache/stat.json`` keeps each file's stat signature (modification
and change times, size, inode) with the hash of its bytes, and a file whose signature did not
change is not read again. The signatures are local to this copy of the project (inode
numbers, times), so they live apart from the recorded outputs, which stay byte-identical
between serial and parallel runs.

Documents are independent, so stages hand them to a process pool; results come back in
document order and nothing a worker does depends on another, so output bytes never depend on
``jobs``. Workers stage their files in a private folder; the parent renames them into place
only once every document has succeeded: bad input still writes nothing.
"""

from __future__ import annotations

import errno
import gc
import hashlib
import json
import os
import shutil
import stat
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from functools import lru_cache
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import Callable, Iterable, Iterator

from . import __version__
from .config import Config
from .errors import PipelineError
from .files import fs_clock, pid_alive, read_bytes, read_file, remove_stale_temps, write_atomic, write_temp

STATE_FILE = "state-{}.json"  # .format(stage)
OLD_STATE_FILE = "state.json"  # of FORMAT 2 (all stages' records): removed once replaced
# Documents handed to a worker at a time: small, so that the workers finish close together
# (the last chunk decides when a stage ends) and results stream back early.
CHUNK = 4
FLUSHERS = 16  # threads that fsync staged files (they wait on the disk side by side)
STAT_FILE = "stat.json"
FORMAT = 3  # bump when the record layout changes: old state files are then ignored


def digest(*parts: bytes | str) -> str:
    """One hash of several parts (each length-prefixed, so ("ab", "c") != ("a", "bc"))."""
    h = hashlib.sha256()
    for p in parts:
        b = p.encode("utf-8") if isinstance(p, str) else p
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()


@lru_cache(maxsize=1)
def code_version() -> str:
    """Hash of this package's source: editing the pipeline invalidates every recorded output."""
    root = Path(__file__).resolve().parent
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".py", ".css", ".html")
                   and "__pycache__" not in p.parts)
    return digest(__version__, *(p.relative_to(root).as_posix() for p in files),
                  *(p.read_bytes() for p in files))


def file_hash(path: Path) -> str | None:
    """Hash of a file's bytes, or None when it cannot be read."""
    try:
        return digest(read_file(path))
    except OSError:
        return None


class State:
    """The recorded outputs of one stage (output path -> inputs hash, output hash, details) and
    the stat signatures of the files hashed so far (path -> "signature hash")."""

    def __init__(self, cfg: Config, stage: str):
        self.cfg = cfg
        self.path = cfg.root / cfg.cache_dir / STATE_FILE.format(stage)
        self.stat_path = cfg.root / cfg.cache_dir / STAT_FILE
        # No state yet, or a damaged one: everything is redone (or hashed) and recorded afresh.
        self.records: dict[str, dict] = _load(self.path, "outputs")
        self.signatures: dict[str, str] = _load(self.stat_path, "files")
        self.changed = self.signatures_changed = False
        self._clock: int | None = None
        self._others: dict[str, dict] = {}

    def records_of(self, stage: str) -> dict[str, dict]:
        """The recorded outputs of another stage, read when first asked for (never saved here)."""
        if stage not in self._others:
            self._others[stage] = _load(self.path.with_name(STATE_FILE.format(stage)), "outputs")
        return self._others[stage]

    def hash(self, path: Path | str, where: str | None = None, *, missing_ok: bool = False,
             rel: str | None = None) -> str | None:
        """``digest()`` of a file's bytes, read only when its stat signature is not the one
        recorded with its hash. ``rel``: ``cfg.rel(path)``, when the caller has it already.

        A file that cannot be read gives None, or with ``where`` a PipelineError naming
        ``where`` (as :func:`files.read_bytes`); with ``missing_ok``, a missing file gives None.
        """
        return self._hash(path, self.cfg.rel(path) if rel is None else rel, where, missing_ok)

    def _hash(self, path: Path | str, rel: str, where: str | None, missing_ok: bool = False) -> str | None:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            if where is None or missing_ok:
                return None
            st = None
        except OSError:
            st = None
        known = self.signatures.get(rel)
        if st is not None and isinstance(known, str):
            signature, _, h = known.rpartition(" ")
            if signature == _signature(st):
                return h
        # Racy files (git's "racy clean" problem): time stamps have ticks (coarse kernel
        # ticks; 2 s on FAT), and a write within the tick of the last change leaves the
        # signature as it was. So a signature is kept only when the file's last change is
        # older than a reading of the file system's clock taken before the file is stat'ed
        # and read: any later write is stamped at that reading or after, which changes the
        # signature. A file changed too recently is simply hashed again next time. The reading
        # is the time stamp of a new file in the cache folder, not time.time(): files are
        # stamped by the file system's clock (its ticks; a file server's clock), which the
        # project's files are taken to share. (Git compares with its index file's mtime and
        # so must read racy files again when it writes the index; a reading taken before the
        # stat needs no second pass.)
        if self._clock is None:
            self._clock = fs_clock(self.path.parent)
            st = _stat(path)  # the signature kept must come after the clock reading
        if where is None:
            try:
                data = read_file(path)
            except OSError:
                return None
        else:
            data = read_bytes(path, where)
        h = digest(data)
        settled = st is not None and max(st.st_mtime_ns, st.st_ctime_ns) < self._clock
        if settled and stat.S_ISREG(st.st_mode):
            self.remember(path, st, h, rel=rel)
        return h

    def remember(self, path: Path, st: os.stat_result, h: str, *, rel: str | None = None) -> None:
        """Record that the file at ``path`` with stat ``st`` holds bytes hashing to ``h``.

        Only for a signature that no later write can leave unchanged (see :meth:`hash`).
        """
        rel = self.cfg.rel(path) if rel is None else rel
        entry = f"{_signature(st)} {h}"
        if self.signatures.get(rel) != entry:
            self.signatures[rel] = entry
            self.signatures_changed = True

    def fresh(self, out: Path | str, key: str, rel: str | None = None) -> dict | None:
        """The record of ``out`` when it was made from inputs hashing to ``key`` and is intact.
        ``rel``: ``cfg.rel(out)``, when the caller has it already."""
        rel = self.cfg.rel(out) if rel is None else rel
        rec = self.records.get(rel)
        if rec and rec.get("in") == key and rec.get("out") == self._hash(out, rel, None):
            return rec
        return None

    def record(self, out: Path, key: str, out_hash: str | None, **details) -> None:
        """Remember that ``out`` (whose bytes hash to ``out_hash``) was made from ``key``."""
        rec = {"in": key, "out": out_hash, **details}
        rel = self.cfg.rel(out)
        if self.records.get(rel) != rec:
            self.records[rel] = rec
            self.changed = True

    def save(self) -> None:
        """Write the state file and the signatures (atomically), those that changed."""
        # Compact ASCII JSON (\u escapes): these files are read on every run (and ASCII text
        # is read faster), never by hand.
        if self.changed:
            data = {"format": FORMAT, "outputs": dict(sorted(self.records.items()))}
            write_atomic(self.path, json.dumps(data, separators=(",", ":")), self.cfg.rel(self.path))
            self.changed = False
            try:  # the one state file of an older version, now only litter
                os.unlink(self.path.with_name(OLD_STATE_FILE))
            except OSError:
                pass
        if self.signatures_changed:
            data = {"format": FORMAT, "files": self.signatures}
            write_atomic(self.stat_path, json.dumps(data, separators=(",", ":")),
                         self.cfg.rel(self.stat_path))
            self.signatures_changed = False


def _load(path: Path, part: str) -> dict:
    """``part`` of a state file of this FORMAT; empty when there is none or it is damaged."""
    try:
        data = json.loads(path.read_bytes())
        if data.get("format") == FORMAT and isinstance(data.get(part), dict):
            return data[part]
    except (OSError, ValueError, AttributeError):
        pass
    return {}


def _stat(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


def _signature(st: os.stat_result) -> str:
    """What changes whenever a file's bytes do: times to the nanosecond, size and inode (an
    atomic replacement is a new inode). The change time cannot be set back by tools that
    restore a modification time (cp -p, tar, rsync). One string: read faster than a list."""
    return f"{st.st_mtime_ns} {st.st_ctime_ns} {st.st_size} {st.st_ino}"


class Staging:
    """Files written by workers into a private folder, renamed into place together at the end."""

    def __init__(self, cfg: Config):
        self.cfg = cfg
        self.folder = cfg.root / cfg.cache_dir / f"staging-{os.getpid()}"
        self.pending: list[tuple[str, str, str]] = []  # (staged file, destination, hash)
        # Flushes started as soon as a staged file is known (see add), while workers go on.
        self._flushing: dict[str, Future] = {}
        self._flushers: ThreadPoolExecutor | None = None
        # Folders of killed runs (their process is gone) are only litter: remove them.
        for old in self.folder.parent.glob("staging-*"):
            pid = old.name[len("staging-"):]
            if pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
                shutil.rmtree(old, ignore_errors=True)

    def __getstate__(self) -> dict:
        """What a worker gets (jobs are pickled while the parent may be flushing already):
        where to stage, not the parent's flushes."""
        return {**self.__dict__, "pending": [], "_flushing": {}, "_flushers": None}

    def write(self, dest: Path | str, data: bytes | str, where: str, *,
              data_hash: str | None = None) -> tuple[str, str]:
        """Stage ``data`` for ``dest`` (in a worker or the parent): (staged file, hash of data).
        ``data_hash``: ``digest(data)``, when the caller has it already.

        The parent then adds it with :meth:`add`; a worker returns it to the parent for that.
        """
        if isinstance(data, str):
            data = data.encode("utf-8")
        staged = write_temp(self.folder, data, where, name=os.path.basename(dest), sync=False)
        return staged, digest(data) if data_hash is None else data_hash

    def add(self, staged: str, dest: Path | str, data_hash: str) -> None:
        """Move ``staged`` (its bytes hashing to ``data_hash``) to ``dest`` on :meth:`commit`."""
        self.pending.append((staged, os.fspath(dest), data_hash))
        self.flush_soon(staged, dest)

    def flush_soon(self, staged: str, dest: Path | str) -> None:
        """Start flushing ``staged`` to disk in a background thread.

        fsync waits on the disk, not the CPU: started while the workers still compute, the
        flushes are mostly done by the time of :meth:`commit`, which only waits for the rest.
        """
        if staged in self._flushing:
            return
        if self._flushers is None:
            self._flushers = ThreadPoolExecutor(max_workers=FLUSHERS)
        self._flushing[staged] = self._flushers.submit(_flush, staged, os.fspath(dest))

    def commit(self, state: State | None = None) -> None:
        """Flush every staged file to disk, then move each into place, in the order added.

        The flushes run side by side (see :meth:`flush_soon`). With ``state``, the
        signature of each file moved into place is remembered with its hash, so that the next
        run need not read it.
        """
        if not self.pending:
            self.discard()
            return
        for staged, dest, _ in self.pending:
            self.flush_soon(staged, dest)
        written = self._flushed()
        # A staged file is private to this run until it is renamed, so nobody else wrote it
        # since it was last written (at ``mtime``). Once the file system's clock is past that
        # moment, a write by anyone after the rename stamps a later mtime: its signature is
        # then safe to keep (see State.hash). One written within the current tick is not.
        clock = fs_clock(self.folder) if state is not None else 0
        folders = {}
        for _, dest, _ in self.pending:
            folder, name = os.path.split(dest)
            folders.setdefault(folder, set()).add(name)
        for folder, names in folders.items():
            remove_stale_temps(folder, names)  # a killed run's leftovers
        made = set()
        for (staged, dest, data_hash), (ino, mtime) in zip(self.pending, written):
            try:
                folder = os.path.dirname(dest)
                if folder not in made:
                    os.makedirs(folder, exist_ok=True)
                    made.add(folder)
                os.replace(staged, dest)
            except OSError as e:
                if e.errno != errno.EXDEV:
                    self.discard()
                    raise PipelineError(self.cfg.rel(dest), f"cannot write: {e.strerror or e}") from None
                write_atomic(dest, read_file(staged))  # destination on another disk
                continue
            if state is not None and mtime < clock:
                st = _stat(dest)
                # The same inode and mtime: nobody wrote it between the rename and the stat.
                if st is not None and st.st_ino == ino and st.st_mtime_ns == mtime:
                    state.remember(dest, st, data_hash)
        self.pending = []
        self.discard()

    def _flushed(self) -> list[tuple[int, int]]:
        """Wait for every flush: (inode, mtime) of each pending file, in order; the first
        failure in file order is raised."""
        results = []
        for staged, dest, _ in self.pending:
            try:
                results.append(self._flushing[staged].result())
            except PipelineError:
                self.discard()
                raise
        return results

    def discard(self) -> None:
        """Drop whatever is staged (after a failure, nothing reaches the destination)."""
        self.pending = []
        if self._flushers is not None:
            self._flushers.shutdown(wait=True, cancel_futures=True)
            self._flushers = None
        self._flushing = {}
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "Staging":
        return self

    def __exit__(self, kind, exc, tb) -> None:
        if kind is not None:
            self.discard()


def _flush(staged: str, dest: str) -> tuple[int, int]:
    """fsync a staged file (bound for ``dest``, named in errors); its inode and mtime (ns)."""
    try:
        fd = os.open(staged, os.O_RDONLY)
        try:
            os.fsync(fd)
            st = os.fstat(fd)
        finally:
            os.close(fd)
    except OSError as e:
        reason = "disk full" if e.errno == errno.ENOSPC else e.strerror or str(e)
        raise PipelineError(dest, f"cannot write: {reason}") from None
    return st.st_ino, st.st_mtime_ns


def workers(jobs: int, n: int) -> int:
    """How many processes to use for ``n`` documents: ``jobs`` (0: one per CPU), at most ``n``."""
    if jobs <= 0:
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(jobs, n))


def run(fn: Callable, items: Iterable, *, jobs: int) -> Iterator:
    """``fn(item)`` for each item, in a process pool when it pays; results in item order, each
    as soon as it and those before it are done (so the caller can start flushing its files).

    ``fn`` must be a module-level function. One item, or ``jobs == 1``, runs in this process.
    The first failure (in item order) is raised once the pool has stopped.
    """
    items = list(items)
    n = workers(jobs, len(items))
    if n == 1:
        yield from map(fn, items)
        return
    # fork: workers start at once with the modules already imported (spawn would re-import).
    ctx = get_context("fork") if "fork" in get_all_start_methods() else None
    pool = ProcessPoolExecutor(n, mp_context=ctx)
    try:
        # A forked worker's garbage collector would visit (and so write to, making the kernel
        # copy) nearly every page of objects inherited from this process. Frozen objects are
        # left out of collections: frozen while the workers fork (map submits every chunk, and
        # so starts them all), then given back to this process's collector.
        gc.freeze()
        try:
            results = pool.map(fn, items, chunksize=max(1, min(CHUNK, len(items) // (4 * n))))
        finally:
            gc.unfreeze()
        # One result held back, so that the pool is shut down before the caller has the last
        # one (a caller does not ask for more once it has all it expects).
        held = _NONE = object()
        for result in results:
            if held is not _NONE:
                yield held
            held = result
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    if held is not _NONE:
        yield held
