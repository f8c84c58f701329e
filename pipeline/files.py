"""The edges that touch the disk: atomic writes and the project lock."""

from __future__ import annotations

import errno
import fcntl
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from .errors import LockError, PipelineError


def read_bytes(path: Path, where: str) -> bytes:
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
    where = where or str(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as e:
        reason = "disk full" if e.errno == errno.ENOSPC else e.strerror or str(e)
        raise PipelineError(where, f"cannot write: {reason}") from None
    finally:
        if tmp:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return True


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
