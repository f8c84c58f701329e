"""Machine translation engines behind one small interface.

An engine translates plain-text fragments (no placeholders) for one language pair:

* ``key``: its identity for the MT cache (model files and every option that changes output);
* ``record``: the provenance fields it contributes (engine, model, version, path, ...);
* ``cached``: whether its results are worth caching (model inference, not table lookups);
* ``batches(texts)``: the texts cut into the batches it wants, in the order it wants them;
* ``translate(batch)``: one batch -> [(output, score or None)], one model call per hop.
"""

from __future__ import annotations

from typing import Protocol


class Engine(Protocol):
    key: str
    record: dict
    cached: bool

    def batches(self, texts: list[str]) -> list[list[str]]: ...

    def translate(self, batch: list[str]) -> list[tuple[str, float | None]]: ...


ENGINES = ("argos", "opencc")
