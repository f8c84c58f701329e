"""The edges that touch the disk: atomic writes and the project lock."""

from __future__ import annotations

import errno
import fcntl
import itertools
import os
import stat
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable

from .errors import LockError, PipelineError


def read_file(path: Path | str) -> bytes:
    """The bytes of a file (OSError as ``Path.read_bytes``), in four system calls: Python's file
    objects add a terminal check, a seek and more stats to each, which on some machines cost
    more than the reading of a small file."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        parts = []
        if stat.S_ISREG(st.st_mode):
            data = os.read(fd, st.st_size + 1)
            if len(data) <= st.st_size:  # a short read of a regular file: its end
                return data
            parts.append(data)  # the file grew since the stat: read on to its end
        while chunk := os.read(fd, 1 << 20):  # (a directory fails here: IsADirectoryError)
            parts.append(chunk)
        return b"".join(parts)
    finally:
        os.close(fd)


def read_bytes(path: Path, where: str) -> bytes:
    """The bytes of a file; a missing or unreadable one raises PipelineError naming ``where``."""
    try:
        return read_file(path)
    except FileNotFoundError:
        raise PipelineError(where, "no such file") from None
    except IsADirectoryError:
        raise PipelineError(where, "is a directory, not a file") from None
    except OSError as e:
        raise PipelineError(where, f"cannot read: {e.strerror}") from None


def holds(path: Path | str, data: bytes) -> bool:
    """Whether the file at ``path`` holds exactly ``data`` (False when it cannot be read)."""
    try:
        return read_file(path) == data
    except OSError:
        return False


def listing(folder: Path, suffix: str, *, files_only: bool = False) -> list[Path]:
    """``sorted(folder.glob("*" + suffix))`` (hidden names too, as pathlib's glob), with
    ``files_only`` only those that are files or links to files; one directory read, without a
    stat per name or pathlib's pattern matching. A missing folder gives [].
    """
    try:
        with os.scandir(folder) as entries:
            names = [e.name for e in entries
                     if e.name.endswith(suffix) and (not files_only or e.is_file())]
    except (FileNotFoundError, NotADirectoryError):
        return []
    names.sort()  # in one folder, the order of the paths is that of the names
    return [folder / name for name in names]


def write_atomic(path: Path, data: bytes | str, where: str | None = None) -> bool:
    """Write through a temporary file in the same folder and a rename; False when unchanged.

    Readers see the old file or the new one, never half of one, and a crash or a full disk
    leaves the old file in place.
    """
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if holds(path, data):
        return False
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


def remove_stale_temps(folder: Path, names: str | Iterable[str]) -> None:
    """Remove ``.<name>.<pid>.<n>.tmp`` files left in ``folder`` by runs that were killed.

    ``names`` is one file name or several (of one folder: it is listed once for all of them).
    Temporary names carry the writer's process id, so a running writer's file is never touched.
    """
    names = {names} if isinstance(names, str) else set(names)
    try:
        entries = os.listdir(folder)
    except OSError:
        return
    for entry in entries:
        if not (entry.startswith(".") and entry.endswith(".tmp")):
            continue
        parts = entry[1:-4].rsplit(".", 2)  # name (may hold dots), pid, counter
        if len(parts) != 3 or parts[0] not in names or not parts[1].isdigit():
            continue
        pid = int(parts[1])
        if pid != os.getpid() and not pid_alive(pid):
            try:
                os.unlink(os.path.join(folder, entry))
            except OSError:
                pass


# Numbers temporary files: with the process id in the name, unique among live writers.
_temp_numbers = itertools.count()


def write_temp(folder: Path, data: bytes, where: str, *, name: str = "out", sync: bool = True) -> str:
    """Write ``data`` to a new file ``.<name>.<pid>.<n>.tmp`` in ``folder`` (created); its path.

    Renaming it over the destination afterwards is the atomic step of a write. ``sync=False``
    leaves flushing it to disk (``os.fsync``) to the caller, who must do so before the rename.
    """
    tmp = None
    try:
        fd, tmp = _create_temp(os.fspath(folder), name)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
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


def _create_temp(folder: str, name: str) -> tuple[int, str]:
    """Create a new, empty temporary file for ``name`` in ``folder`` (made if missing): (fd, path).

    O_EXCL makes the name ours alone, so a counter is enough to make it (no random names as
    in mkstemp). A plain open() mode lets the umask give the usual permissions: published pages
    and shared catalogs must not be private files.
    """
    pid, made = os.getpid(), False
    while True:
        path = os.path.join(folder, f".{name}.{pid}.{next(_temp_numbers)}.tmp")
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666), path
        except FileExistsError:
            continue  # a leftover of a killed run whose process id was the same as ours
        except FileNotFoundError:
            if made:
                raise
            os.makedirs(folder, exist_ok=True)  # (another worker may be making it too)
            made = True


def fs_clock(folder: Path) -> int:
    """The file system's time now (ns since the epoch), as it stamps files: 0 when unknown.

    Read from a file created (and removed) in ``folder``: the time a write now would give a
    file there. It can differ from ``time.time_ns()`` (coarse ticks; a file server's clock).
    """
    try:
        fd, path = _create_temp(os.fspath(folder), "clock")
    except OSError:
        return 0
    try:
        return os.fstat(fd).st_ctime_ns
    except OSError:
        return 0
    finally:
        os.close(fd)
        try:
            os.unlink(path)
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
