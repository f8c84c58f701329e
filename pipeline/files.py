"""The edges that touch the disk: atomic writes and the project lock."""

from __future__ import annotations

import errno
import fcntl
import glob
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from .errors import LockError, PipelineError

_UMASK = os.umask(0o022)
os.umask(_UMASK)


def read_bytes(path: Path, where: str) -> bytes:
    """The bytes of a file; a missing or unreadable one raises PipelineError naming ``where``."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise PipelineError(where, "no such file") from None
    except IsADirectoryError:
        raise PipelineError(where, "is a directory, not a file") from None
    except OSError as e:
        raise PipelineError(where, f"cannot read: {e.strerror}") from None


def write_atomic(path: Path, data: bytes | str, where: str | None = None) -> bool:
    """Write through a temporary file in the same folder and a rename; False when unchanged.

    Readers see the old file or the new one, never half of one, and a crash or a full disk
    leaves the old file in place.
    """
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    remove_stale_temps(path.parent, path.name)
    tmp = write_temp(path.parent, data, where or str(path), name=path.name)
    try:
        os.replace(tmp, path)
    except OSError as e:
        os.unlink(tmp)
        raise PipelineError(where or str(path), f"cannot write: {e.strerror or e}") from None
    return True


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (a killed run's leftovers belong to a dead one)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def remove_stale_temps(folder: Path, name: str) -> None:
    """Remove ``.<name>.<pid>.*.tmp`` files left in ``folder`` by runs that were killed.

    Temporary names carry the writer's process id, so a running writer's file is never touched.
    """
    try:
        leftovers = list(Path(folder).glob(f".{glob.escape(name)}.*.tmp"))
    except OSError:
        return
    for tmp in leftovers:
        pid = tmp.name[len(name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
            try:
                tmp.unlink()
            except OSError:
                pass


def write_temp(folder: Path, data: bytes, where: str, *, name: str = "out", sync: bool = True) -> str:
    """Write ``data`` to a new temporary file in ``folder`` (created); its path.

    Renaming it over the destination afterwards is the atomic step of a write. ``sync=False``
    leaves flushing it to disk (``os.fsync``) to the caller, who must do so before the rename.
    """
    tmp = None
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.{os.getpid()}.", suffix=".tmp")
        # mkstemp makes the file private (0600); published pages and shared catalogs must
        # get the usual permissions, as a plain open() would give them.
        os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if sync:
                f.flush()
                os.fsync(f.fileno())
        done, tmp = tmp, None
        return done
    except OSError as e:
        reason = "disk full" if e.errno == errno.ENOSPC else e.strerror or str(e)
        raise PipelineError(where, f"cannot write: {reason}") from None
    finally:
        if tmp:
            try:
                os.unlink(tmp)
            except OSError:
                pass


@contextmanager
def project_lock(root: Path, *, wait: float = 0.0):
    """Hold ``.pipeline.lock`` in the project root so that two runs never interleave.

    Waits up to ``wait`` seconds for another run to finish, then fails with LockError.
    """
    lock = Path(root) / ".pipeline.lock"
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        # A read-only project cannot be changed anyway; the write itself will say so.
        if e.errno in (errno.EROFS, errno.EACCES):
            yield
            return
        raise PipelineError(lock, f"cannot create lock: {e.strerror}") from None
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockError(lock, "another pipeline run is working in this project; "
                                    "wait for it or use --wait SECONDS") from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)
