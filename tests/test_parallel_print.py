"""`gazette build --jobs N` lays issues out in parallel and gives the same PDFs as one process."""
from __future__ import annotations

import shutil

from conftest import run_cli


def _add_second_issue(site):
    second = site / "content/2024/02"
    shutil.copytree(site / "content/2024/01", second)
    (second / "issue.yaml").write_text(
        "year: 2024\nnumber: 2\ntotal: 26\ndate: 2024-04-05\ndocuments: [first, second]\n",
        encoding="utf-8")
    for name, number in (("first.md", "市政发〔2024〕7号"), ("second.md", "市政办发〔2024〕8号")):
        path = second / name
        text = path.read_text(encoding="utf-8")
        text = text.replace("市政发〔2024〕1号", number).replace("市政办发〔2024〕2号", number)
        path.write_text(text, encoding="utf-8")


def test_parallel_layout_gives_the_same_pdfs(minimal_site, tmp_path):
    _add_second_issue(minimal_site)
    parallel = run_cli("--site", str(minimal_site), "build", "--jobs", "2", "--out",
                       str(tmp_path / "parallel"))
    assert parallel.code == 0, parallel.err
    assert "gazette: laying out 2 of 2 issues in 2 processes" in parallel.lines
    shutil.rmtree(minimal_site / ".gazette-cache")
    serial = run_cli("--site", str(minimal_site), "build", "--jobs", "1", "--out",
                     str(tmp_path / "serial"))
    assert serial.code == 0 and "gazette: laying out 2 of 2 issues" in serial.lines
    pdfs = sorted(p.relative_to(tmp_path / "serial") for p in (tmp_path / "serial").rglob("*.pdf"))
    assert len(pdfs) == 2 + 4  # two issues, two documents each
    for relative in pdfs:
        assert (tmp_path / "parallel" / relative).read_bytes() == \
            (tmp_path / "serial" / relative).read_bytes()


def test_jobs_must_be_a_positive_number():
    result = run_cli("build", "--jobs", "0")
    assert result.code == 2
    assert "argument --jobs: expected a whole number of at least 1, got '0'" in result.err
