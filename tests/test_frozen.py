"""Frozen published issues: `published:` in issue.yaml makes the build record the issue's sources
and PDFs (content/<year>/<NN>/.published/), and from then on a change to the sources is refused
at its file and line, except the allowed corrections; `gazette verify --issue` recomputes it."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from conftest import SITES, copy_site, run_cli

ISSUE = "content/2024/01"


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """The minimal site with its issue published, built once (which records it)."""
    base = tmp_path_factory.mktemp("published")
    site = copy_site(SITES / "minimal", base / "site")
    with (site / ISSUE / "issue.yaml").open("a", encoding="utf-8") as handle:
        handle.write("published: 2024-03-06\n")
    result = run_cli("--site", str(site), "build", "--jobs", "1", "--out", str(base / "public"))
    assert result.code == 0, result.err
    assert "2024年第1期 is published: its record is in content/2024/01/.published/" in result.err
    return site


@pytest.fixture
def site(published, tmp_path) -> Path:
    """A copy of the published site to change."""
    return Path(shutil.copytree(published, tmp_path / "site"))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_record_lists_every_source_and_pdf_with_its_sha256(published):
    record = published / ISSUE / ".published"
    manifest = (record / "manifest-sha256.txt").read_text(encoding="utf-8").splitlines()
    assert manifest == [f"{_sha(published / name)}  {name}" for name in
                        (f"{ISSUE}/first.md", f"{ISSUE}/issue.yaml", f"{ISSUE}/second.md")]
    outputs = dict(reversed(line.split("  ")) for line in
                   (record / "outputs-sha256.txt").read_text(encoding="utf-8").splitlines())
    assert sorted(outputs) == ["2024/01/first/first.pdf", "2024/01/jzgb-2024-01.pdf",
                               "2024/01/second/second.pdf"]
    public = published.parent / "public"
    assert all(_sha(public / name) == digest for name, digest in outputs.items())


def test_a_changed_line_is_refused_at_its_line(site):
    path = site / ISSUE / "first.md"
    lines = path.read_text(encoding="utf-8").split("\n")
    number = lines.index("第一段正文。") + 1
    lines[number - 1] = "第一段正文（改）。"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = run_cli("--site", str(site), "check")
    assert result.code == 1
    assert (f"{ISSUE}/first.md:{number}: published: 2024年第1期 was published on 2024-03-06 and "
            f"is frozen: line {number} differs from the published text; publish a 勘误 in a "
            "later issue instead (only status, repealed_by and amended_by may change)"
            ) in result.lines


def test_a_changed_title_is_refused_even_below_an_allowed_field(site):
    path = site / ISSUE / "second.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace("---\ntitle: 晋中市人民政府办公室关于测试乙的通知",
                        "---\nstatus: 已修改\namended_by:\n  - 市政办发〔2024〕9号\n"
                        "title: 晋中市人民政府办公室关于测试丙的通知")
    path.write_text(text, encoding="utf-8")
    result = run_cli("--site", str(site), "check")
    assert result.code == 1
    assert any(line.startswith(f"{ISSUE}/second.md:5: published: ") for line in result.lines), \
        result.err


def test_status_and_relations_may_change_after_publication(site):
    path = site / ISSUE / "first.md"
    text = path.read_text(encoding="utf-8").replace(
        "disclosure: 此件公开发布\n",
        "disclosure: 此件公开发布\nstatus: 已废止\nrepealed_by: 市政发〔2024〕8号\n")
    path.write_text(text, encoding="utf-8")
    result = run_cli("--site", str(site), "check")
    assert result.code == 0, result.err


def test_a_new_document_or_a_removed_one_is_refused(site):
    issue = site / ISSUE
    shutil.copy(issue / "first.md", issue / "third.md")
    (issue / "second.md").unlink()
    result = run_cli("--site", str(site), "check")
    assert result.code == 1
    assert (f"{ISSUE}/third.md:1: published: 2024年第1期 was published on 2024-03-06 and is "
            "frozen: this file was not in the published issue; a new document belongs to a "
            "later issue") in result.lines
    assert (f"{ISSUE}/issue.yaml:1: published: 2024年第1期 was published on 2024-03-06 and is "
            f"frozen: {ISSUE}/second.md was removed from it; restore the file") in result.lines


def test_unpublishing_is_a_change_too(site):
    path = site / ISSUE / "issue.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(line for line in lines if not line.startswith("published")) + "\n",
                    encoding="utf-8")
    result = run_cli("--site", str(site), "check")
    assert result.code == 1
    assert any(line.startswith(f"{ISSUE}/issue.yaml:") and "published on 2024-03-06 and is "
               "frozen" in line for line in result.lines), result.err


def test_a_refused_build_leaves_the_last_output_alone(site, tmp_path):
    out = tmp_path / "public"
    assert run_cli("--site", str(site), "build", "--no-pdf", "--out", str(out)).code == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    path = site / ISSUE / "second.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n追加一段。\n", encoding="utf-8")
    result = run_cli("--site", str(site), "build", "--no-pdf", "--out", str(out))
    assert result.code == 1 and "nothing was written" in result.err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_verify_issue_recomputes_the_record(site):
    result = run_cli("--site", str(site), "verify", "--issue", "2024/01")
    assert result.code == 0, result.out + result.err
    assert f"{ISSUE}: sources: 3 files as published" in result.out
    assert (f"{ISSUE}: outputs: 3 PDFs laid out again, byte-identical to the published ones "
            "(unsigned bytes)") in result.out


def test_verify_issue_fails_when_a_pdf_differs_from_the_record(site):
    record = site / ISSUE / ".published/outputs-sha256.txt"
    lines = record.read_text(encoding="utf-8").splitlines()
    lines = [("0" * 64 + line[64:]) if line.endswith("jzgb-2024-01.pdf") else line
             for line in lines]
    record.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli("--site", str(site), "verify", "--issue", "2024/01")
    assert result.code == 1
    assert f"{ISSUE}: FAILED: the PDFs laid out now differ from the published ones" in result.out
    assert "  differs: 2024/01/jzgb-2024-01.pdf" in result.out


def test_verify_issue_names_a_changed_source(site):
    path = site / ISSUE / "issue.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("total: 25", "total: 26"),
                    encoding="utf-8")
    result = run_cli("--site", str(site), "verify", "--issue", "2024/01")
    assert result.code == 1
    assert f"{ISSUE}: FAILED: the sources differ from the published issue" in result.out
    assert f"{ISSUE}/issue.yaml:3: published: " in result.out


def test_an_unpublished_issue_has_no_record(minimal_site):
    result = run_cli("--site", str(minimal_site), "verify", "--issue", "2024/01")
    assert result.code == 1
    assert "the issue has no record (.published/)" in result.out


def test_a_build_warns_when_a_recorded_pdf_comes_out_different(site, tmp_path):
    record = site / ISSUE / ".published/outputs-sha256.txt"
    lines = record.read_text(encoding="utf-8").splitlines()
    lines = [("0" * 64 + line[64:]) if line.endswith("first.pdf") else line for line in lines]
    record.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli("--site", str(site), "build", "--jobs", "1", "--out", str(tmp_path / "out"))
    assert result.code == 0, result.err
    assert (f"warning: {ISSUE}/.published/outputs-sha256.txt:1: published: the PDFs of 2024年第1期 "
            "laid out now differ from the published ones (2024/01/first/first.pdf): the layout, "
            "stylesheet or fonts changed since publication") in result.lines
    assert "is published: its record is in" not in result.err  # the record is not rewritten
    assert record.read_text(encoding="utf-8").splitlines() == lines
