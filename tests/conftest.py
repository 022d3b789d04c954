"""Shared fixtures: fixture sites copied into a temporary folder, and the CLI run in-process."""
from __future__ import annotations

import contextlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from gazette_build.cli import main

REPO = Path(__file__).resolve().parents[1]
SITES = Path(__file__).resolve().parent / "sites"


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.err.splitlines()


def run_cli(*args: str) -> CliResult:
    """Run `gazette ARGS` in this process and capture what it prints."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return CliResult(code, out.getvalue(), err.getvalue())


def copy_site(source: Path, target: Path) -> Path:
    """A fixture site with the repository's own layouts and assets."""
    shutil.copytree(source, target)
    for folder in ("layouts", "assets"):
        if not (target / folder).exists():
            shutil.copytree(REPO / folder, target / folder)
    return target


@pytest.fixture
def minimal_site(tmp_path: Path) -> Path:
    return copy_site(SITES / "minimal", tmp_path / "site")


@pytest.fixture
def shipped_site(tmp_path: Path) -> Path:
    """A copy of the repository's own site folder (content, layouts, assets, site.yaml)."""
    target = tmp_path / "site"
    target.mkdir()
    for name in ("content", "layouts", "assets"):
        shutil.copytree(REPO / name, target / name)
    shutil.copy(REPO / "site.yaml", target / "site.yaml")
    return target


@pytest.fixture(scope="session")
def web_edition(tmp_path_factory) -> Path:
    """The shipped content built once, web edition only; returns the output folder."""
    out = tmp_path_factory.mktemp("web") / "public"
    result = run_cli("--site", str(REPO), "build", "--no-pdf", "--out", str(out))
    assert result.code == 0, result.err
    return out
