"""The MT cache: translations keyed by (source fragment, model, options), kept across runs.

One append-only JSON-lines file per model-and-options key under ``.pipeline-cache/mt/``. Each
finished batch is appended and fsynced, so an interrupted run (Ctrl-C, kill) keeps every batch
it finished; a torn last line from a crash is ignored on reading.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .errors import PipelineError


class Cache:
    """Translations of one engine key: ``get(text)`` and ``add(batch of (text, output, score))``."""

    def __init__(self, folder: Path, key: str):
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
        self.path = Path(folder) / "mt" / f"{digest}.jsonl"
        self.entries: dict[str, tuple[str, float | None]] = {}
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as e:
            raise PipelineError(self.path, f"cannot read MT cache: {e.strerror}") from None
        for line in data.split(b"\n"):
            try:
                rec = json.loads(line)
                self.entries[rec["src"]] = (rec["out"], rec["score"])
            except (ValueError, KeyError, TypeError):
                continue  # empty, torn or foreign line

    def get(self, text: str) -> tuple[str, float | None] | None:
        return self.entries.get(text)

    def add(self, rows: list[tuple[str, str, float | None]]) -> None:
        """Append one finished batch durably."""
        lines = b"".join(
            json.dumps({"src": s, "out": o, "score": sc}, ensure_ascii=False).encode("utf-8") + b"\n"
            for s, o, sc in rows
        )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            try:
                # Start on a fresh line even if a crash left half of one behind.
                if os.fstat(fd).st_size and not self._ends_with_newline():
                    lines = b"\n" + lines
                while lines:
                    lines = lines[os.write(fd, lines):]
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as e:
            raise PipelineError(self.path, f"cannot write MT cache: {e.strerror}") from None
        for s, o, sc in rows:
            self.entries[s] = (o, sc)

    def _ends_with_newline(self) -> bool:
        with open(self.path, "rb") as f:
            f.seek(-1, os.SEEK_END)
            return f.read(1) == b"\n"
