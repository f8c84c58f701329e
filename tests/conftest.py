"""Shared fixtures: a temporary copy of the project, and golden-file comparison."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
# Reproducible dates in every catalog the tests write.
os.environ.setdefault("SOURCE_DATE_EPOCH", "1767225600")


def pytest_addoption(parser):
    parser.addoption("--regen-golden", action="store_true",
                     help="Rewrite golden files from the current output (review the diff!).")


@pytest.fixture
def regen(request) -> bool:
    return request.config.getoption("--regen-golden") or os.environ.get("REGEN_GOLDEN") == "1"


@pytest.fixture
def golden(regen):
    """golden(path, text): compare text with a golden file (or rewrite it with --regen-golden)."""

    def check(path: Path, text: str) -> None:
        if regen:
            path.write_text(text, encoding="utf-8")
        if not path.exists():
            pytest.fail(f"missing golden file {path} (run pytest --regen-golden to create it)")
        assert text == path.read_text(encoding="utf-8"), f"differs from {path} (--regen-golden to accept)"

    return check


@pytest.fixture
def project(tmp_path) -> Path:
    """A temporary copy of the project: pyproject.toml, source/, locales/ (templates only), glossary/."""
    dst = tmp_path / "proj"
    dst.mkdir()
    shutil.copy(ROOT / "pyproject.toml", dst / "pyproject.toml")
    shutil.copytree(ROOT / "source", dst / "source")
    (dst / "locales").mkdir()
    if (ROOT / "glossary").is_dir():
        shutil.copytree(ROOT / "glossary", dst / "glossary")
    return dst


@pytest.fixture(scope="module")
def en_project(tmp_path_factory) -> Path:
    """A project with templates and an English catalog, made once per test module."""
    root = tmp_path_factory.mktemp("en") / "proj"
    root.mkdir()
    shutil.copy(ROOT / "pyproject.toml", root)
    shutil.copytree(ROOT / "source", root / "source")
    for args in (["extract"], ["update", "--lang", "en"]):
        r = CliRunner().invoke(main, ["-C", str(root), *args])
        assert r.exit_code == 0, r.output
    return root
