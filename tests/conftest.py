"""Shared fixtures: fixture sites copied into a temporary folder, and the CLI run in-process."""
from __future__ import annotations

import contextlib
import io
import shutil
import sys
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


def use_indexer(monkeypatch, folder: Path, script: str) -> None:
    """Builds run `script` (shell) as Pagefind's indexer, from `folder`/pagefind."""
    indexer = folder / "pagefind"
    indexer.write_text(f"#!/bin/sh\n{script}\n")
    indexer.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(indexer))


def running(pid: int) -> bool:
    """Whether process `pid` runs: not gone, not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


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


@pytest.fixture(scope="session")
def browser_site(tmp_path_factory) -> Path:
    """The small site of the browser tests, built once with its PDFs: the shipped issue and one
    synthetic issue of another year (12 documents, 2 years); returns the output folder."""
    if str(REPO) not in sys.path:  # `tools` is a folder of the repository, not a package
        sys.path.insert(0, str(REPO))
    from tools.make_archive import make_archive

    root = make_archive(tmp_path_factory.mktemp("browser") / "site", 1)
    shutil.copytree(REPO / "content" / "2024", root / "content" / "2024")
    out = root.parent / "public"
    result = run_cli("--site", str(root), "build", "--jobs", "1", "--out", str(out))
    assert result.code == 0, result.err
    return out


@pytest.fixture(scope="session")
def served(browser_site: Path):
    """That site served by a real HTTP server at http://127.0.0.1:PORT/gongbao/."""
    from browser import serve

    with serve(browser_site) as url:
        yield url


@pytest.fixture(scope="session")
def chromium():
    """One headless Debian Chromium for the whole session."""
    from playwright.sync_api import sync_playwright

    from browser import launch_chromium

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()
