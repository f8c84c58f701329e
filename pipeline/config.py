"""Settings from ``[tool.pipeline]`` in pyproject.toml, read once into a frozen object.

Precedence: command-line options over environment (PIPELINE_*) over the file over defaults.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, fields, replace
from functools import cached_property
from pathlib import Path

from babel import Locale, UnknownLocaleError

from .errors import ConfigError

LANG_RE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8}){0,3}$")


@dataclass(frozen=True)
class Config:
    root: Path
    source_language: str = "zh-Hans"
    target_languages: tuple[str, ...] = ()
    source_dir: str = "source"
    locales_dir: str = "locales"
    site_dir: str = "site"
    glossary_dir: str = "glossary"
    cache_dir: str = ".pipeline-cache"
    jobs: int = 0  # worker processes for independent documents; 0: one per CPU
    base_url: str = "https://example.org/"
    threshold: float = 80.0  # % reviewed needed to publish an edition
    engine: str = "argos"
    beam_size: int = 2
    compute_type: str = "int8"
    device: str = "cpu"
    threads: int = 0  # 0: CTranslate2 picks
    batch_size: int = 32
    max_decoding_length: int = 256

    @property
    def source(self) -> Path:
        return self.root / self.source_dir

    @property
    def locales(self) -> Path:
        return self.root / self.locales_dir

    @property
    def site(self) -> Path:
        return self.root / self.site_dir

    def rel(self, path: Path | str) -> str:
        """A path as shown in messages and references: relative to the project root."""
        text = os.fspath(path)
        rel = self._rel_text(text)
        if rel is not None:
            return rel
        path = Path(text)
        if ".." not in path.parts:  # built from the root: no need to ask the disk (resolve)
            try:
                return path.relative_to(self.root).as_posix()
            except ValueError:
                pass
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)

    def _rel_text(self, text: str) -> str | None:
        """``rel`` in the common cases, a path built on the root, without pathlib's overhead
        (text alone: a file name does not change the folder part); None for the others."""
        root = self._root_text
        if os.sep == "/" and "/../" not in f"/{text}/" and "/./" not in f"/{text}/":
            if root == "." and not text.startswith("/"):
                return text
            if text.startswith(root + "/"):
                return text[len(root) + 1:]
        return None

    @cached_property
    def _root_text(self) -> str:
        return os.fspath(self.root).rstrip("/")


class Folder:
    """The files of one folder by name, as text: ``path(name)`` is ``str(folder / name)`` and
    ``rel(name)`` is ``cfg.rel(folder / name)``.

    Both are worked out for the folder once and joined to each name as strings: pathlib's
    ``/`` and ``cfg.rel`` for every file were most of the cost of a run that finds nothing
    to do. ``name`` is a file name, or names joined by "/", none of them "." or "..".
    """

    def __init__(self, cfg: Config, folder: Path):
        self.cfg, self.folder = cfg, Path(folder)
        # What pathlib and rel make of a name in the folder, less the name: the same for
        # every name (a folder of "." gives "", not "./"). None when rel must ask pathlib.
        probe = os.fspath(self.folder / "x")
        self._path = probe[:-1]
        rel = cfg._rel_text(probe)
        self._rel = None if rel is None else rel[:-1]

    def path(self, name: str) -> str:
        return self._path + name

    def rel(self, name: str) -> str:
        return self.cfg.rel(self.folder / name) if self._rel is None else self._rel + name


_TYPES = {f.name: f.type for f in fields(Config)}


def load(root: Path | str = ".", **overrides) -> Config:
    """Read ``root/pyproject.toml`` and apply environment variables and ``overrides`` (None = unset)."""
    root = Path(root)
    data: dict = {}
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            with open(pyproject, "rb") as f:
                data = tomllib.load(f).get("tool", {}).get("pipeline", {})
        except tomllib.TOMLDecodeError as e:
            m = re.search(r"\(at line (\d+), column \d+\)$", str(e))
            where = f"{pyproject}:{m.group(1)}" if m else pyproject
            raise ConfigError(where, f"invalid TOML: {e}") from None
        if not isinstance(data, dict):
            raise ConfigError(pyproject, "[tool.pipeline] must be a table")
    values: dict = {}
    for key, val in data.items():
        name = key.replace("-", "_")
        if name not in _TYPES or name == "root":
            raise ConfigError(pyproject, f"[tool.pipeline] unknown setting {key!r}")
        values[name] = _coerce(name, val, f"{pyproject}: [tool.pipeline] {key}")
    for name in _TYPES:
        env = os.environ.get(f"PIPELINE_{name.upper()}")
        if env is not None and name != "root":
            val = env.split(",") if name == "target_languages" else env
            values[name] = _coerce(name, val, f"environment PIPELINE_{name.upper()}", from_text=True)
    for name, val in overrides.items():
        if val is not None and val != ():
            values[name] = _coerce(name, val, f"option --{name.replace('_', '-')}", from_text=True)
    cfg = Config(root=root, **values)
    check_language(cfg.source_language, where=str(pyproject))
    for lang in cfg.target_languages:
        check_language(lang, where=str(pyproject))
    return cfg


def _coerce(name: str, val, where: str, from_text: bool = False):
    kind = _TYPES[name]
    try:
        if kind in ("int", int):
            if isinstance(val, bool) or (not from_text and not isinstance(val, int)):
                raise TypeError
            return int(val)
        if kind in ("float", float):
            if isinstance(val, bool) or (not from_text and not isinstance(val, (int, float))):
                raise TypeError
            return float(val)
        if name == "target_languages":
            if isinstance(val, str) or not all(isinstance(v, str) for v in val):
                raise TypeError
            return tuple(v.strip() for v in val if v.strip())
        if not isinstance(val, str):
            raise TypeError
        return val
    except (TypeError, ValueError):
        want = {"int": "an integer", "float": "a number"}.get(str(kind), "a list of strings" if name == "target_languages" else "a string")
        raise ConfigError(where, f"expected {want}, got {val!r}") from None


def check_language(code: str, *, where: str = "language") -> Locale:
    """Validate a language code (BCP 47 or gettext style) against CLDR; returns the Babel Locale."""
    if not isinstance(code, str) or not LANG_RE.match(code):
        raise ConfigError(where, f"invalid language code {code!r}")
    try:
        return Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        raise ConfigError(where, f"unknown language code {code!r}") from None


def po_dir_name(code: str) -> str:
    """gettext directory name: zh-Hant -> zh_Hant, pt-BR -> pt_BR."""
    return code.replace("-", "_")


def bcp47(code: str) -> str:
    """BCP 47 tag for HTML: zh_Hant -> zh-Hant."""
    return code.replace("_", "-")


def base_language(code: str) -> str:
    """The language subtag alone, lower-case: zh-Hant -> zh, pt_BR -> pt."""
    return bcp47(code).split("-")[0].lower()


def with_languages(cfg: Config, langs: tuple[str, ...]) -> tuple[str, ...]:
    """The languages a command works on: those given, or all configured targets."""
    chosen = tuple(langs) or cfg.target_languages
    for lang in chosen:
        check_language(lang, where="--lang")
    return tuple(bcp47(l) for l in chosen)


__all__ = ["Config", "Folder", "load", "check_language", "po_dir_name", "bcp47", "base_language",
           "with_languages", "replace"]
