"""Clumsy but honest input: editors' lock and temporary files are not content, a name too long
for the output is reported by `check` as by `build`, and no source file may be a link out of the
site folder — site.yaml, issue.yaml and the layouts included."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from conftest import run_cli

TEMPORARY = ["~$通知.md", ".~lock.first.md#", "first.md.swp", ".first.md.swp", "first.md~",
             ".#first.md"]


def test_lock_and_temporary_files_are_ignored(minimal_site, tmp_path):
    issue = minimal_site / "content/2024/01"
    for name in TEMPORARY:
        (issue / name).write_bytes(b"\xd0\xcf\x11\xe0 not a document")
    for name in ("~$print.css", "print.css~", ".print.css.swp"):
        (minimal_site / "assets" / name).write_bytes(b"junk")
    out = tmp_path / "public"
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(out))
    assert result.code == 0, result.err
    assert result.lines == [result.lines[-1]]  # the summary alone: no warning either
    published = sorted(p.name for p in (out / "assets").iterdir())
    assert not [name for name in published if "~" in name or name.endswith(".swp")]


def test_a_name_too_long_for_the_output_is_reported_by_check_as_by_build(minimal_site):
    issue = minimal_site / "content/2024/01"
    stem = "a" * 248
    (issue / "first.md").rename(issue / f"{stem}.md")
    listing = issue / "issue.yaml"
    listing.write_text(listing.read_text(encoding="utf-8").replace("- first", f"- {stem}"),
                       encoding="utf-8")
    expected = (f"content/2024/01/{stem}.md:1: file name: is too long: the output names it gives "
                "(.aaaaaaaaaaa…) exceed the file system's limit of 255 bytes per name; shorten "
                "the name before .md to at most 246 characters")
    for command in (["check"], ["build", "--no-pdf"]):
        result = run_cli("--site", str(minimal_site), *command)
        assert result.code == 1
        assert result.lines[0] == expected
        assert "Traceback" not in result.err


@pytest.mark.parametrize("linked", ["content", "content/2024", "content/2024/01"])
def test_an_issue_folder_reached_through_a_link_out_of_the_site_is_refused(minimal_site, tmp_path,
                                                                          linked):
    """The content folder, a year folder or the issue folder itself moved out and linked back:
    the issue is refused where it is reached, whichever of them is the link."""
    path = minimal_site / linked
    outside = tmp_path / "elsewhere" / path.name
    outside.parent.mkdir()
    path.rename(outside)
    os.symlink(outside, path)
    issue = (outside / (minimal_site / "content/2024/01").relative_to(path)).resolve()
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out",
                     str(tmp_path / "o"))
    assert result.code == 1
    assert f"content/2024/01:1: folder: is a link to {issue}, outside the site folder; move " \
        "the issue into content/" in result.lines, result.err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("source", ["site.yaml", "content/2024/01/issue.yaml",
                                    "layouts/base.html"])
def test_a_source_file_that_links_out_of_the_site_is_refused(minimal_site, tmp_path, source):
    path = minimal_site / source
    outside = tmp_path / "elsewhere" / path.name
    outside.parent.mkdir()
    outside.write_bytes(path.read_bytes())
    path.unlink()
    os.symlink(outside, path)
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out",
                     str(tmp_path / "o"))
    assert result.code == 1
    assert any(line.startswith(f"{source}:1: ") and f"is a link to {outside}, outside the site "
               "folder" in line for line in result.lines), result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize("folder", ["assets", "layouts"])
def test_a_site_folder_that_links_out_of_the_site_is_refused(minimal_site, tmp_path, folder):
    """assets/ as a link out of the site: each file was left out with a warning, then the
    print layout failed with a traceback (and `check` said nothing)."""
    outside = tmp_path / "elsewhere"
    shutil.move(minimal_site / folder, outside)
    os.symlink(outside, minimal_site / folder)
    for command in (["check"], ["build", "--out", str(tmp_path / "o")]):
        result = run_cli("--site", str(minimal_site), *command)
        assert result.code == 1 and "Traceback" not in result.err, result.err
        assert f"{folder}:1: {folder}: is a link to {outside}, outside the site folder; copy " \
            "the folder into the site folder instead" in result.lines
    assert not (tmp_path / "o").exists()


def test_a_document_too_large_is_a_located_error_and_the_last_site_stays(minimal_site, tmp_path):
    """A 5 MB table took 9 s and 580 MB to convert, and more with every megabyte: a document
    of ordinary text builds up to 10 MB (test_accepted_input.py), not beyond."""
    out = tmp_path / "public"
    assert run_cli("--site", str(minimal_site), "build", "--no-pdf", "--no-search",
                   "--out", str(out)).code == 0
    before = (out / "index.html").read_bytes()
    first = minimal_site / "content/2024/01/first.md"
    row = "| 晋阳县 | 1,234.5 | 市水利局 |\n"
    text = first.read_text(encoding="utf-8") + "\n| 县 | 投资 | 牵头 |\n|---|---|---|\n"
    text += row * ((10 << 20) // len(row.encode()) + 1)
    first.write_text(text, encoding="utf-8")
    size = len(text.encode())
    for command in (["check"], ["build", "--no-pdf", "--no-search", "--out", str(out)]):
        result = run_cli("--site", str(minimal_site), *command)
        assert result.code == 1
        assert result.lines[0] == f"content/2024/01/first.md:1: size: the file is {size:,} " \
            "bytes, more than the 10,485,760 (10 MB) a document may hold (a long regulation " \
            "with its tables is ~200 KB): split it into documents"
    assert (out / "index.html").read_bytes() == before


def _peak_of(*args: str) -> tuple[subprocess.CompletedProcess, int]:
    """`gazette ARGS` in a process of its own, and its peak memory in MiB (a wrapper's
    children's: this test process's earlier children do not count)."""
    wrapper = ("import resource, subprocess, sys; "
               "done = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
               "sys.stdout.write(done.stderr); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024); "
               "sys.exit(done.returncode)")
    result = subprocess.run([sys.executable, "-c", wrapper, sys.executable, "-m", "gazette_build",
                             *args], capture_output=True, text=True)
    *said, peak = result.stdout.strip().split("\n")
    return subprocess.CompletedProcess(result.args, result.returncode, "\n".join(said)), \
        int(peak)


@pytest.mark.parametrize("name", ["content/2024/01/first.md", "content/2024/01/issue.yaml",
                                  "site.yaml"])
def test_a_source_of_gigabytes_is_refused_by_its_size_without_being_read(minimal_site, tmp_path,
                                                                        name):
    """A 3 GB file (a disk image saved under a document's name, a log) was read whole to be
    hashed and then refused: 3 GB held. Its size is now read from the file system: the same
    located error, in little memory."""
    out = tmp_path / "public"
    assert run_cli("--site", str(minimal_site), "build", "--no-pdf", "--no-search",
                   "--out", str(out)).code == 0
    before = (out / "index.html").read_bytes()
    source = minimal_site / name
    size = 3 << 30
    with open(source, "r+b") as stream:
        stream.truncate(size)  # sparse: no disk taken
    limit = ("10,485,760 (10 MB) a document may hold (a long regulation with its tables is "
             "~200 KB): split it into documents") if name.endswith(".md") else \
        f"1,048,576 (1 MB) a {source.name} may hold (~1 KB is usual): is it the right file?"
    for command in (["check"], ["build", "--no-pdf", "--no-search", "--out", str(out)]):
        result, peak = _peak_of("--site", str(minimal_site), *command)
        assert result.returncode == 1
        assert result.stdout.split("\n")[0] == \
            f"{name}:1: size: the file is {size:,} bytes, more than the {limit}"
        assert peak < 300, f"{peak} MiB"
    assert (out / "index.html").read_bytes() == before
