"""Argos model packages: list, install from the Argos index, add a downloaded .argosmodel file.

Installation goes through ``argostranslate.package`` (so the packages are where Argos itself
looks, ``ARGOS_PACKAGES_DIR`` included); a file is checked first, because Argos would extract a
corrupt or hostile zip as it is.
"""

from __future__ import annotations

import json
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .engines.argos import argos_code, installed, package_name, packages_dir
from .errors import ModelError

OFFLINE_HINT = ("download the .argosmodel file on a connected machine (https://www.argosopentech.com/"
                "argospm/index/) and run `pipeline models add FILE.argosmodel`")


@dataclass(frozen=True)
class ModelInfo:
    """One package as listed: installed (with its folder) or available from the index."""

    name: str
    from_code: str
    to_code: str
    version: str
    installed: bool
    where: str = ""


def list_models() -> list[ModelInfo]:
    """Installed packages, then those of the cached Argos index that are not installed.

    The index is only read when Argos has cached it (``models install`` fetches it); listing
    never touches the network.
    """
    from argostranslate import settings
    from argostranslate.package import AvailablePackage

    have = [ModelInfo(package_name(p), p.from_code, p.to_code, p.package_version, True,
                      str(p.package_path)) for p in installed()]
    pairs = {(m.from_code, m.to_code) for m in have}
    index = Path(settings.local_package_index)
    extra = []
    if index.is_file():
        try:
            entries = json.loads(index.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ModelError(index, f"cannot read the cached Argos index: {e}") from None
        for meta in entries if isinstance(entries, list) else []:
            p = AvailablePackage(meta)
            if p.type == "translate" and (p.from_code, p.to_code) not in pairs:
                extra.append(ModelInfo(package_name(p), p.from_code, p.to_code, p.package_version, False))
    return have + sorted(extra, key=lambda m: (m.from_code, m.to_code))


def install(src: str, tgt: str) -> ModelInfo:
    """Fetch the Argos index, download the package for ``src`` -> ``tgt`` and add it."""
    from argostranslate import package, settings

    a, b = argos_code(src), argos_code(tgt)
    index = Path(settings.local_package_index)
    package.update_package_index()  # logs and returns when offline; the index may be an old copy
    if not index.is_file():
        raise ModelError(f"{a} -> {b}", f"cannot reach the Argos package index ({settings.remote_package_index}); "
                         f"offline? {OFFLINE_HINT}")
    try:
        available = package.get_available_packages()
    except (OSError, ValueError) as e:
        raise ModelError(index, f"cannot read the Argos index: {e}") from None
    match = [p for p in available if p.type == "translate" and p.from_code == a and p.to_code == b]
    if not match:
        pairs = ", ".join(sorted(f"{p.from_code}->{p.to_code}" for p in available if p.type == "translate"))
        raise ModelError(f"{a} -> {b}", f"no such package in the Argos index (it has: {pairs or 'nothing'})")
    try:
        path = match[0].download()
    except Exception as e:  # argostranslate raises bare Exception on a failed download
        raise ModelError(f"{a} -> {b}", f"download failed ({e}); {OFFLINE_HINT}") from None
    return add(Path(path))


def add(file: Path) -> ModelInfo:
    """Check a ``.argosmodel`` file and install it with argostranslate; returns what was installed."""
    file = Path(file)
    top, _ = check_archive(file)
    from argostranslate import package

    target = packages_dir()
    target.mkdir(parents=True, exist_ok=True)
    try:
        package.install_from_path(file)
    except Exception as e:  # argostranslate raises bare Exception
        raise ModelError(file, f"cannot install: {e}") from None
    pkg = package.Package(target / top)
    return ModelInfo(package_name(pkg), pkg.from_code, pkg.to_code, pkg.package_version, True, str(target / top))


def check_archive(file: Path) -> tuple[str, dict]:
    """(top folder, metadata) of a package file; ModelError when it is not a sound Argos package.

    Refused: not a zip, a damaged member (CRC), paths that would land outside the packages
    folder (absolute, ``..``, links), more than one top folder, missing ``metadata.json``,
    model or tokenizer.
    """
    where = str(file)
    if not file.is_file():
        raise ModelError(where, "no such file")
    if not zipfile.is_zipfile(file):
        raise ModelError(where, "not an Argos package (.argosmodel must be a zip archive)")
    try:
        with zipfile.ZipFile(file) as z:
            infos = z.infolist()
            tops = set()
            for info in infos:
                p = PurePosixPath(info.filename.replace("\\", "/"))
                if p.is_absolute() or ".." in p.parts or ":" in info.filename or not p.parts:
                    raise ModelError(where, f"unsafe path in archive: {info.filename!r}")
                if (info.external_attr >> 16) & 0o170000 == 0o120000:
                    raise ModelError(where, f"symbolic link in archive: {info.filename!r}")
                tops.add(p.parts[0])
            if len(tops) != 1:
                raise ModelError(where, "an Argos package holds exactly one top folder")
            top = tops.pop()
            names = {i.filename.rstrip("/") for i in infos}
            for need in ("metadata.json", "model/model.bin"):
                if f"{top}/{need}" not in names:
                    raise ModelError(where, f"not an Argos package: no {top}/{need}")
            if f"{top}/sentencepiece.model" not in names and f"{top}/bpe.model" not in names:
                raise ModelError(where, "not an Argos package: no sentencepiece.model or bpe.model")
            bad = z.testzip()
            if bad is not None:
                raise ModelError(where, f"damaged archive: {bad} fails its CRC check")
            meta = json.loads(z.read(f"{top}/metadata.json").decode("utf-8"))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError) as e:
        raise ModelError(where, f"damaged archive: {e}") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise ModelError(where, f"metadata.json is not valid JSON: {e}") from None
    if not isinstance(meta, dict) or not meta.get("from_code") or not meta.get("to_code"):
        raise ModelError(where, "metadata.json needs from_code and to_code")
    return top, meta
