"""tools/make_archive.py: the synthetic benchmark archive is valid content and deterministic."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

from conftest import REPO, run_cli

if str(REPO) not in sys.path:  # `tools` is a folder of the repository, not an installed package
    sys.path.insert(0, str(REPO))

from tools.make_archive import make_archive  # noqa: E402


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_three_issues_check_clean_with_distinct_numbers_and_consecutive_totals(tmp_path):
    site = make_archive(tmp_path / "archive", 3)
    assert site == tmp_path / "archive"
    for name in ("site.yaml", "layouts/document.html", "assets/site.css"):
        assert (site / name).is_file()

    result = run_cli("--site", str(site), "check")
    assert result.code == 0, result.err
    assert result.lines[-1].startswith("gazette check: no errors")
    assert not any(line.startswith("warning:") and ": notes:" in line for line in result.lines)

    documents = sorted((site / "content").glob("*/*/*.md"))
    assert len(documents) == 18
    fronts = [yaml.safe_load(p.read_text(encoding="utf-8").split("---\n")[1]) for p in documents]
    assert len({f["number"] for f in fronts}) == 18
    assert len({f["title"] for f in fronts}) == 18
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9-]*", p.stem) for p in documents)
    assert all("notes" not in f for f in fronts)

    issues = [yaml.safe_load(p.read_text(encoding="utf-8"))
              for p in sorted((site / "content").glob("*/*/issue.yaml"))]
    assert len(issues) == 3
    assert [i["total"] for i in issues] == list(range(issues[0]["total"], issues[0]["total"] + 3))
    for issue in issues:
        assert issue["date"].year == issue["year"]


def test_same_issue_count_gives_the_same_bytes(tmp_path):
    first = _tree(make_archive(tmp_path / "a", 3))
    second = _tree(make_archive(tmp_path / "b", 3))
    assert first == second
    # making it again over an archive it made before also gives the same bytes
    assert _tree(make_archive(tmp_path / "a", 3)) == first
