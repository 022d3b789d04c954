"""The command line: exit codes, help, version, check's report, and output kept on failure."""
from __future__ import annotations

from gazette_build import __version__
from conftest import run_cli


def test_version_and_help_exit_zero():
    version = run_cli("--version")
    assert (version.code, version.out) == (0, f"gazette {__version__}\n")
    help_ = run_cli("--help")
    assert help_.code == 0 and "build" in help_.out and "check" in help_.out


def test_a_site_that_is_a_loop_of_links_is_a_usage_error(tmp_path):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)  # resolve() raised RuntimeError: a traceback
    result = run_cli("--site", str(loop), "check")
    assert result.code == 2 and f"gazette: --site {loop}: no such folder" in result.err


def test_usage_errors_exit_two():
    wrong = run_cli("publish")
    assert wrong.code == 2 and "invalid choice: 'publish'" in wrong.err
    assert run_cli().code == 2
    for site in ("/nonexistent", "/" + "长" * 300):  # exit 1 before, as if the content erred
        missing = run_cli("--site", site, "build")
        assert missing.code == 2 and f"gazette: --site {site}: no such folder" in missing.err
    # a port beyond 65535 was taken modulo 65536: the preview listened on another port
    port = run_cli("serve", "--port", "99999")
    assert port.code == 2 and "expected a port from 0 to 65535, got '99999'" in port.err


def test_check_lists_warnings_and_writes_nothing(minimal_site):
    path = minimal_site / "content/2024/01/second.md"
    path.write_text(path.read_text(encoding="utf-8").replace("| 合计 | 1 | 1 |", "| 合计 | 2 | 1 |"),
                    encoding="utf-8")
    result = run_cli("--site", str(minimal_site), "check")
    assert result.code == 0
    assert result.lines == [
        "warning: content/2024/01/second.md:23: table: column 2024年: the rows add up to 1, "
        "but 合计 says 2 (kept as printed; check the source)",
        "gazette check: no errors, 1 warning",
    ]
    assert not (minimal_site / "public").exists()


def test_check_reports_every_error_of_a_stage_at_once(minimal_site):
    for name in ("first.md", "second.md"):
        path = minimal_site / "content/2024/01" / name
        path.write_text(path.read_text(encoding="utf-8").replace("date: 2024-0", "date: 2024-1"),
                        encoding="utf-8")
    result = run_cli("--site", str(minimal_site), "check")
    assert result.code == 1
    assert result.lines == [
        "content/2024/01/first.md:4: date: 成文日期 2024-11-25 is later than the issue's 编印 date 2024-03-05",
        "content/2024/01/second.md:4: date: 成文日期 2024-12-18 is later than the issue's 编印 date 2024-03-05",
        "gazette: 2 errors; nothing was written",
    ]


def test_shipped_content_checks_clean_but_for_the_source_errors(capsys):
    result = run_cli("check")
    assert result.code == 0
    assert all(line.startswith("warning: ") for line in result.lines[:-1])
    assert result.lines[-1] == f"gazette check: no errors, {len(result.lines) - 1} warnings"
    # the known errors of the printed source (conventions §1.6 C1, C2)
    assert any("row 平遥县: 100 + 80 + 107 = 287, but 总计 says 288" in l for l in result.lines)
    assert any("3314与1683之和为4997" in l for l in result.lines)


def test_no_search_leaves_the_index_out_and_nothing_else(minimal_site, tmp_path):
    full, quick = tmp_path / "full", tmp_path / "quick"
    assert run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(full)).code == 0
    assert run_cli("--site", str(minimal_site), "build", "--no-pdf", "--no-search",
                   "--out", str(quick)).code == 0
    files = {folder: {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
             for folder in (full, quick)}
    index = ("pagefind/", "search/numbers/")  # the full-text index and the 文号 lookup
    assert any(name.startswith(index[0]) for name in files[full])
    assert files[quick] == {name for name in files[full] if not name.startswith(index)}


def test_the_command_says_its_version_and_usage_errors_once():
    import subprocess
    import sys

    version = subprocess.run([sys.executable, "-m", "gazette_build", "--version"],
                             capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.splitlines() == ["gazette 0.1.0"]
    wrong = subprocess.run([sys.executable, "-m", "gazette_build", "bogus"],
                           capture_output=True, text=True)
    assert wrong.returncode == 2 and wrong.stderr.count("invalid choice") == 1
