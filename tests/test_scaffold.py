"""`gazette new site` and `gazette new issue`: what they make builds at once and continues the
archive's numbering."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys

import yaml

import wordfiles as wf
from conftest import REPO, run_cli
from gazette_build.errors import Report
from gazette_build.scaffold import new_issue
from test_web_edition import page_text


def test_new_site_builds_at_once(tmp_path):
    site = tmp_path / "新公报"
    made = run_cli("new", "site", str(site))
    assert made.code == 0, made.err
    assert "# 栏目" in (site / "site.yaml").read_text(encoding="utf-8")  # commented for editors
    built = run_cli("--site", str(site), "build", "--no-pdf")
    assert built.code == 0, built.err
    year = dt.date.today().year
    page = site / f"public/{year}/01/shizhengfa-{year}-1/index.html"
    assert "示例市人民政府关于印发公报编辑示例的通知" in page_text(page)
    assert run_cli("new", "site", str(site)).lines == [f"{site}:1: site: is not empty; give a new "
                                                        "folder"]


def test_new_issue_continues_the_archive(shipped_site):
    report = Report(shipped_site)
    folder = new_issue(shipped_site, report, dt.date(2024, 4, 2))
    assert folder == shipped_site / "content/2024/02"
    values = yaml.safe_load((folder / "issue.yaml").read_text(encoding="utf-8"))
    assert values == {"year": 2024, "number": 2, "total": 26, "date": dt.date(2024, 4, 2)}
    next_year = new_issue(shipped_site, report, dt.date(2025, 1, 8))
    assert next_year == shipped_site / "content/2025/01"
    assert yaml.safe_load((next_year / "issue.yaml").read_text(encoding="utf-8"))["total"] == 27
    assert report.diagnostics == []


def test_a_new_issue_past_99_or_after_an_unreadable_number_is_an_error(shipped_site):
    """The 100th issue of a year got folder 100, which every build then refused (issue
    folders have two digits); `number: .inf` gave an OverflowError traceback."""
    report = Report(shipped_site)
    assert new_issue(shipped_site, report, dt.date(2024, 12, 30)) is not None
    (shipped_site / "content/2024/02").rename(shipped_site / "content/2024/99")
    last = shipped_site / "content/2024/99/issue.yaml"
    last.write_text(last.read_text(encoding="utf-8").replace("number: 2", "number: 99"),
                    encoding="utf-8")
    assert new_issue(shipped_site, report, dt.date(2024, 12, 31)) is None
    assert [d.message for d in report.diagnostics] == [
        "2024 already has 99 issues, as many as the issue folders' two digits can name; the "
        "next issue is in 2025"]
    assert sorted(p.name for p in (shipped_site / "content/2024").iterdir()) == ["01", "99"]
    last.write_text(last.read_text(encoding="utf-8").replace("number: 99", "number: .inf"),
                    encoding="utf-8")
    result = run_cli("--site", str(shipped_site), "new", "issue")
    assert result.code == 1 and "Traceback" not in result.err, result.err
    assert result.lines[0] == ("content/2024/99/issue.yaml:1: issue.yaml: cannot be read to "
                               "continue the numbering; run `gazette check` and fix it first")


def test_a_new_issue_is_ready_for_import(shipped_site, tmp_path):
    made = run_cli("--site", str(shipped_site), "new", "issue")
    assert made.code == 0, made.err
    folder = sorted(shipped_site.glob("content/*/*/issue.yaml"))[-1].parent
    assert made.lines == [f"gazette: created {folder.relative_to(shipped_site).as_posix()}"]
    values = yaml.safe_load((folder / "issue.yaml").read_text(encoding="utf-8"))
    assert (values["total"], values["date"]) == (26, dt.date.today())
    source = tmp_path / "来文.docx"
    wf.seed_to_docx(REPO / "content/2024/01/shizhengfa-2024-1.md", source)
    # the same 文号 is already in 2024年第1期: the archive-wide check must still catch it
    imported = run_cli("--site", str(shipped_site), "import", str(source))  # the latest issue
    assert imported.code == 0, imported.err
    assert (folder / "shizhengfa-2024-1.md").is_file()
    checked = run_cli("--site", str(shipped_site), "check")
    assert checked.code == 1
    assert "市政发〔2024〕1号 is already the 文号 of content/2024/01/shizhengfa-2024-1.md" in checked.err


def test_new_site_from_an_installed_package_copies_the_shipped_layouts(tmp_path):
    """What a wheel holds is what setup.py's build_py puts in the build folder: the package with
    the layouts and assets beside its modules, and no repository around it."""
    source = tmp_path / "source"
    for name in ("gazette_build", "layouts", "assets"):
        shutil.copytree(REPO / name, source / name,
                        ignore=shutil.ignore_patterns("__pycache__", "starter"))
    for name in ("setup.py", "pyproject.toml", "MANIFEST.in", "README.md"):
        shutil.copy(REPO / name, source / name)
    lib = tmp_path / "lib"
    subprocess.run([sys.executable, "setup.py", "--quiet", "build_py", "--build-lib", str(lib)],
                   cwd=source, check=True, capture_output=True)
    site, env = tmp_path / "site", {**os.environ, "PYTHONPATH": str(lib)}
    where = subprocess.run([sys.executable, "-c", "import gazette_build; print(gazette_build"
                            ".__file__)"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert where.stdout.strip() == str(lib / "gazette_build/__init__.py")  # not the checkout's
    made = subprocess.run([sys.executable, "-m", "gazette_build", "new", "site", str(site)],
                          cwd=tmp_path, env=env, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    for folder in ("layouts", "assets"):
        shipped = {p.relative_to(REPO / folder): p.read_bytes()
                   for p in (REPO / folder).rglob("*") if p.is_file()}
        assert {p.relative_to(site / folder): p.read_bytes()
                for p in (site / folder).rglob("*") if p.is_file()} == shipped
    assert run_cli("--site", str(site), "build", "--no-pdf", "--no-search").code == 0
