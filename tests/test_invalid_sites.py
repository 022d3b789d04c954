"""The catalogue of bad input: each case in sites_invalid/ is the minimal site with some files
replaced (and the paths in remove.txt deleted); `expected.txt` holds exactly what an editor sees.
Every case must exit 1, print no traceback and leave the previous output untouched."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SITES, copy_site, run_cli

CASES = Path(__file__).resolve().parent / "sites_invalid"


def _apply_case(case: Path, site: Path) -> None:
    for path in sorted(case.rglob("*")):
        relative = path.relative_to(case)
        if path.is_dir() or relative.name in ("expected.txt", "remove.txt"):
            continue
        target = site / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    removals = case / "remove.txt"
    if removals.exists():
        for line in removals.read_text(encoding="utf-8").split():
            (site / line).unlink()


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir()), ids=str)
def test_invalid_site(case: str, tmp_path: Path) -> None:
    site = copy_site(SITES / "minimal", tmp_path / "site")
    out = tmp_path / "public"
    assert run_cli("--site", str(site), "build", "--no-pdf", "--out", str(out)).code == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    _apply_case(CASES / case, site)
    result = run_cli("--site", str(site), "build", "--no-pdf", "--out", str(out))

    expected = (CASES / case / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert result.code == 1
    assert "Traceback" not in result.err
    assert result.lines[:-1] == expected
    assert result.lines[-1].endswith("; nothing was written")
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
