"""Each source file's sha256 is remembered by its size, time and inode, so a build reads only the
files saved since the last one; a file saved in the same tick as it was hashed, or while the
build reads it, is never taken for its older self."""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest

from gazette_build.sourcedigests import TABLE, SourceChanged, SourceDigests
from conftest import run_cli

DOC = "content/2024/01/second.md"


def build(site: Path):
    return run_cli("--site", str(site), "build", "--no-pdf", "--no-search")


def page(site: Path) -> str:
    return (site / "public/2024/01/second/index.html").read_text(encoding="utf-8")


def same_size_edit(path: Path, old: str, new: str) -> None:
    """Change `old` to `new` (as many bytes) and put the file's time back as it was."""
    assert len(old.encode()) == len(new.encode())
    stat = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_a_file_saved_again_within_the_clock_tick_of_its_hashing_is_read_again(minimal_site):
    """A coarse clock (FAT: two seconds) gives two saves the same time: a digest taken less
    than that after the file's time is not trusted, whatever its size, time and inode say."""
    doc = minimal_site / DOC
    doc.write_text(doc.read_text(encoding="utf-8"), encoding="utf-8")  # saved just now
    assert build(minimal_site).code == 0
    assert "方案正文" in page(minimal_site)
    same_size_edit(doc, "方案正文", "方案全文")  # same size, same time, same inode
    assert build(minimal_site).code == 0
    assert "方案全文" in page(minimal_site) and "方案正文" not in page(minimal_site)


def test_a_digest_is_trusted_only_for_the_same_size_time_and_inode(tmp_path):
    source = tmp_path / "a.md"
    source.write_bytes(b"one")
    old = time.time_ns() - 10 * 10**9  # saved well before it is hashed: not racy
    os.utime(source, ns=(old, old))
    digests = SourceDigests(tmp_path)
    first = digests.of(str(source))
    digests.save()
    again = SourceDigests.load(tmp_path)
    assert again.of(str(source)) == first and not again.changed  # from the table, not read
    source.write_bytes(b"two")  # another time
    assert again.of(str(source)) != first
    replaced = tmp_path / "b.md"
    replaced.write_bytes(b"one")
    os.utime(replaced, ns=(old, old))
    replaced.replace(source)  # the same bytes again, but another inode: hashed again
    assert again.of(str(source)) == first and again.changed


def test_a_file_saved_while_the_build_reads_it_is_an_error_naming_it(tmp_path):
    source = tmp_path / "content" / "a.md"
    source.parent.mkdir()
    source.write_bytes(b"one")
    digests = SourceDigests(tmp_path)
    digest = digests.of(str(source))
    source.write_bytes(b"two")
    with pytest.raises(SourceChanged, match=r"^content/a\.md was saved while the build read "
                                            r"it; run the build again$"):
        digests.load_bytes(str(source), digest)


def test_a_damaged_table_is_ignored(minimal_site):
    assert build(minimal_site).code == 0
    (minimal_site / TABLE).write_text("{not json", encoding="utf-8")
    doc = minimal_site / DOC
    doc.write_text(doc.read_text(encoding="utf-8") + "\n补充一段。\n", encoding="utf-8")
    assert build(minimal_site).code == 0
    assert "补充一段。" in page(minimal_site)


def _saved_long_ago(source: Path, data: bytes) -> tuple[Path, int]:
    """A file whose time is well before its hashing: its digest is not racy."""
    source.write_bytes(data)
    old = time.time_ns() - 10 * 10**9
    os.utime(source, ns=(old, old))
    return source, old


def test_a_copy_that_keeps_the_time_is_seen_by_its_change_time(tmp_path):
    """cp -p, touch -r and rsync -t give a file new bytes with its old size and time; only the
    change time, which no tool can set, tells."""
    source, old = _saved_long_ago(tmp_path / "a.md", b"one")
    digests = SourceDigests(tmp_path)
    first = digests.of(str(source))
    time.sleep(0.01)
    source.write_bytes(b"two")  # in place: same inode, same size
    os.utime(source, ns=(old, old))  # and the time put back
    assert digests.of(str(source)) != first


def _table(site: Path) -> dict:
    return json.loads((site / TABLE).read_bytes().partition(b"\n")[2])


def _write_table(site: Path, data: dict, digest: bool = True) -> None:
    """The table with `data`, under the digest of its text (or the one already there)."""
    text = json.dumps(data).encode()
    first = hashlib.sha256(text).hexdigest().encode() if digest else \
        (site / TABLE).read_bytes().partition(b"\n")[0]
    (site / TABLE).write_bytes(first + b"\n" + text)


def test_damaged_entries_of_the_table_are_dropped_not_a_traceback(minimal_site):
    assert build(minimal_site).code == 0
    data = _table(minimal_site)
    for number, path in enumerate(data["files"]):
        data["files"][path] = [[1, 2], None, "x", [1, 2, 3, 4, 5, "zz"]][number % 4]
    _write_table(minimal_site, data)
    doc = minimal_site / DOC
    doc.write_text(doc.read_text(encoding="utf-8") + "\n又一段。\n", encoding="utf-8")
    result = build(minimal_site)
    assert result.code == 0, result.err
    assert "又一段。" in page(minimal_site)


def test_a_file_found_changed_is_not_trusted_again(tmp_path):
    source, _ = _saved_long_ago(tmp_path / "a.md", b"one")
    digests = SourceDigests(tmp_path)
    digest = digests.of(str(source))
    digests.known[str(source)][5] = "00" * 32  # as if the table were wrong about it
    with pytest.raises(SourceChanged):
        digests.load_bytes(str(source), bytes(32))
    assert digests.of(str(source)) == digest  # hashed again


def test_a_file_that_cannot_be_opened_is_never_vouched_for(tmp_path):
    """An unreadable document (chmod 000, an editor without root) was counted as checked
    though never opened: the build then asked the table for its digest, a KeyError traceback
    where `Permission denied` naming the file was due."""
    unreadable = tmp_path / "first.md"
    unreadable.mkdir()  # opening it fails as an unreadable file's opening does
    digests = SourceDigests(tmp_path)
    with pytest.raises(OSError):
        digests.of(str(unreadable))
    digests.vouch()
    with pytest.raises(OSError):
        digests.of(str(unreadable))


@pytest.mark.parametrize("damage", ["a digit changed", "an older digest put back"])
def test_a_table_that_does_not_match_its_digest_is_dropped_with_a_warning(minimal_site, damage):
    """A digit changed in a file's digest failed the build ("saved while the build read it");
    the digest of the file's older text put back had the build publish that older text."""
    doc = minimal_site / DOC
    assert build(minimal_site).code == 0
    older = _table(minimal_site)["files"][str(doc)][5]
    doc.write_text(doc.read_text(encoding="utf-8").replace("。", "！", 1), encoding="utf-8")
    time.sleep(2.1)  # not racy: the new digest is trusted by the next build
    assert build(minimal_site).code == 0
    data = _table(minimal_site)
    entry = data["files"][str(doc)]
    entry[5] = older if damage == "an older digest put back" else \
        ("0" if entry[5][0] != "0" else "1") + entry[5][1:]
    _write_table(minimal_site, data, digest=False)
    for record in (minimal_site / TABLE.parent).glob("[0-9a-f]*.json"):
        record.unlink()  # the output's record: the build runs
    result = build(minimal_site)
    assert result.code == 0, result.err
    assert result.lines[0] == (f"warning: {TABLE}:1: cache: damaged (it does not match its "
                               "SHA-256); dropped, every source file is read again")
    assert "！" in page(minimal_site) and page(minimal_site) == _cold(minimal_site)


def _cold(site: Path) -> str:
    """The page a build with no cache at all makes of the same sources."""
    import shutil as files

    copy = site.parent / "cold"
    files.copytree(site, copy, ignore=files.ignore_patterns(".gazette-cache", "public"))
    assert build(copy).code == 0
    return page(copy)


def test_a_table_of_the_older_format_is_dropped_without_a_word(minimal_site):
    """A table without its digest line (format 2) is the last version's, not damage: its files
    are hashed again, once, and no warning is said."""
    assert build(minimal_site).code == 0
    data = _table(minimal_site)
    data["format"] = 2
    (minimal_site / TABLE).write_text(json.dumps(data), encoding="utf-8")
    for record in (minimal_site / TABLE.parent).glob("[0-9a-f]*.json"):
        record.unlink()
    result = build(minimal_site)
    assert result.code == 0 and not any("cache" in line for line in result.lines), result.err
    assert (minimal_site / TABLE).read_bytes().partition(b"\n")[0] == hashlib.sha256(
        (minimal_site / TABLE).read_bytes().partition(b"\n")[2]).hexdigest().encode()
