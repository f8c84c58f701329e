"""Incremental and parallel stages: redo only what changed, one document per worker process.

Each output file is recorded in ``.pipeline-cache/state.json`` with a hash of everything it was
made from (source bytes, catalog bytes, settings, the pipeline's own code) and a hash of the
bytes written. A later run skips an output whose inputs hash the same and whose bytes are still
those recorded, so an unchanged document is neither parsed nor rewritten; a lost or corrupt
state file only costs one full run. Extract, update and build all go through here.

Documents are independent, so stages hand them to a process pool; results come back in
document order and nothing a worker does depends on another, so output bytes never depend on
``jobs``. Workers stage their files in a private folder; the parent renames them into place
only once every document has succeeded: bad input still writes nothing.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from functools import lru_cache
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import Callable, Iterable

from . import __version__
from .config import Config
from .errors import PipelineError
from .files import pid_alive, remove_stale_temps, write_atomic, write_temp

STATE_FILE = "state.json"
FORMAT = 1  # bump when the record layout changes: old state files are then ignored


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
        return digest(Path(path).read_bytes())
    except OSError:
        return None


class State:
    """The recorded outputs of a project: output path -> inputs hash, output hash, details."""

    def __init__(self, cfg: Config):
        self.cfg = cfg
        self.path = cfg.root / cfg.cache_dir / STATE_FILE
        self.records: dict[str, dict] = {}
        self.changed = False
        try:
            data = json.loads(self.path.read_bytes())
            if data.get("format") == FORMAT and isinstance(data.get("outputs"), dict):
                self.records = data["outputs"]
        except (OSError, ValueError, AttributeError):
            pass  # no state yet, or a damaged one: everything is redone and recorded afresh

    def fresh(self, out: Path, key: str) -> dict | None:
        """The record of ``out`` when it was made from inputs hashing to ``key`` and is intact."""
        rec = self.records.get(self.cfg.rel(out))
        if rec and rec.get("in") == key and rec.get("out") == file_hash(out):
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
        """Write the state file (atomically) if anything was recorded."""
        if self.changed:
            data = {"format": FORMAT, "outputs": dict(sorted(self.records.items()))}
            write_atomic(self.path, json.dumps(data, ensure_ascii=False, indent=0), self.cfg.rel(self.path))
            self.changed = False


class Staging:
    """Files written by workers into a private folder, renamed into place together at the end."""

    def __init__(self, cfg: Config):
        self.cfg = cfg
        self.folder = cfg.root / cfg.cache_dir / f"staging-{os.getpid()}"
        self.pending: list[tuple[str, Path]] = []
        # Folders of killed runs (their process is gone) are only litter: remove them.
        for old in self.folder.parent.glob("staging-*"):
            pid = old.name[len("staging-"):]
            if pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
                shutil.rmtree(old, ignore_errors=True)

    def write(self, dest: Path, data: bytes | str, where: str) -> tuple[str, str]:
        """Stage ``data`` for ``dest`` (in a worker or the parent): (staged file, hash of data).

        The parent then adds it with :meth:`add`; a worker returns it to the parent for that.
        """
        if isinstance(data, str):
            data = data.encode("utf-8")
        return write_temp(self.folder, data, where, name=Path(dest).name, sync=False), digest(data)

    def add(self, staged: str, dest: Path) -> None:
        self.pending.append((staged, Path(dest)))

    def commit(self) -> None:
        """Flush every staged file to disk, then move each into place, in the order added.

        The flushes run side by side: the file system then commits them together, where one
        after the other each would wait for its own journal commit.
        """
        with ThreadPoolExecutor(max_workers=16) as flushers:
            list(flushers.map(_flush, self.pending))
        for staged, dest in self.pending:
            remove_stale_temps(dest.parent, dest.name)  # a killed run's leftovers
            try:
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged, dest)
            except OSError as e:
                if e.errno != errno.EXDEV:
                    self.discard()
                    raise PipelineError(self.cfg.rel(dest), f"cannot write: {e.strerror or e}") from None
                write_atomic(dest, Path(staged).read_bytes())  # destination on another disk
        self.pending = []
        self.discard()

    def discard(self) -> None:
        """Drop whatever is staged (after a failure, nothing reaches the destination)."""
        self.pending = []
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "Staging":
        return self

    def __exit__(self, kind, exc, tb) -> None:
        if kind is not None:
            self.discard()


def _flush(pending: tuple[str, Path]) -> None:
    staged, dest = pending
    try:
        fd = os.open(staged, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as e:
        reason = "disk full" if e.errno == errno.ENOSPC else e.strerror or str(e)
        raise PipelineError(dest, f"cannot write: {reason}") from None


def workers(jobs: int, n: int) -> int:
    """How many processes to use for ``n`` documents: ``jobs`` (0: one per CPU), at most ``n``."""
    if jobs <= 0:
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(jobs, n))


def run(fn: Callable, items: Iterable, *, jobs: int) -> list:
    """``[fn(item) for item in items]``, in a process pool when it pays; results in item order.

    ``fn`` must be a module-level function. One item, or ``jobs == 1``, runs in this process.
    The first failure (in item order) is raised once the pool has stopped.
    """
    items = list(items)
    n = workers(jobs, len(items))
    if n == 1:
        return [fn(item) for item in items]
    # fork: workers start at once with the modules already imported (spawn would re-import).
    ctx = get_context("fork") if "fork" in get_all_start_methods() else None
    pool = ProcessPoolExecutor(n, mp_context=ctx)
    try:
        out = list(pool.map(fn, items, chunksize=max(1, min(16, len(items) // (4 * n)))))
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return out
