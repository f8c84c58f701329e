"""OpenCC: Simplified -> Traditional Chinese script conversion, offline and deterministic.

Taiwan editions use ``s2twp`` (Taiwan standard with Taiwanese phrasing: 软件 -> 軟體), Hong Kong
and Macau editions ``s2hk``. It is conversion, not translation, and recorded as such.
"""

from __future__ import annotations

from ..errors import ConfigError

# Region of the target -> OpenCC configuration; zh-Hant without region reads as Taiwan usage.
CONVERSIONS = {"hk": "s2hk", "mo": "s2hk", "tw": "s2twp", "": "s2twp"}
SOURCES = ("zh", "zh-hans", "zh-cn", "zh-sg")


def conversion(src: str, tgt: str) -> str:
    """The OpenCC configuration for a pair, or ConfigError when OpenCC cannot do it."""
    s = src.replace("_", "-").lower()
    parts = tgt.replace("_", "-").lower().split("-")
    if s not in SOURCES:
        raise ConfigError("--engine opencc", f"OpenCC converts from Simplified Chinese, not {src}")
    if parts[0] != "zh" or not ({"hant", "tw", "hk", "mo"} & set(parts[1:])):
        raise ConfigError("--engine opencc", f"OpenCC converts to Traditional Chinese (zh-Hant, "
                          f"zh-TW, zh-HK), not {tgt}")
    region = next((p for p in parts[1:] if p in ("tw", "hk", "mo")), "")
    return CONVERSIONS[region]


class OpenCCEngine:
    """Script conversion of fragments; cheap, so it is not cached."""

    cached = False

    def __init__(self, src: str, tgt: str):
        import opencc

        self.config = conversion(src, tgt)
        self.converter = opencc.OpenCC(self.config)
        version = getattr(opencc, "__version__", "") or "?"
        self.record = {"engine": "opencc", "model": self.config, "version": version,
                       "kind": "script conversion"}
        self.key = f"opencc:{self.config}:{version}"

    def batches(self, texts: list[str]) -> list[list[str]]:
        return [sorted(set(texts))] if texts else []

    def translate(self, batch: list[str]) -> list[tuple[str, float | None]]:
        return [(self.converter.convert(t), None) for t in batch]
