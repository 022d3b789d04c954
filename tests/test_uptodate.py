"""`gazette build` run again with nothing changed: the output is left as it is and the command
says what the last build said; any change of an input, an option or the output means a build."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from gazette_build import uptodate
from conftest import copy_site, run_cli

BUILT = "nothing changed since the last build"


def build(site: Path, *extra: str):
    return run_cli("--site", str(site), "build", "--no-pdf", "--no-search", *extra)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def inodes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_ino
            for p in folder.rglob("*") if p.is_file()}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_second_build_with_nothing_changed_leaves_the_output_and_says_the_same(minimal_site):
    second = minimal_site / "content/2024/01/second.md"
    edit(second, "| 合计 | 1 | 1 |", "| 合计 | 2 | 1 |")  # a warning, said by both builds
    first = build(minimal_site)
    assert first.code == 0 and BUILT not in first.err
    before, numbers = tree(minimal_site / "public"), inodes(minimal_site / "public")
    again = build(minimal_site)
    assert again.code == 0
    assert again.lines[:-1] == first.lines[:-1]  # the warnings, said again
    assert "but 合计 says 2" in again.lines[0]
    assert again.lines[-1] == (f"gazette: 1 issues, 2 documents, {first.lines[-1].split(', ')[2]}"
                               f", 0 PDFs: {BUILT} → {(minimal_site / 'public').resolve()}")
    assert tree(minimal_site / "public") == before
    assert inodes(minimal_site / "public") == numbers  # not even rewritten


def test_an_edit_a_layout_or_another_option_builds_again(minimal_site):
    public = minimal_site / "public"
    assert build(minimal_site).code == 0
    edit(minimal_site / "content/2024/01/first.md", "title: ", "title: 新")
    edited = build(minimal_site)
    assert BUILT not in edited.err
    assert "新" in (public / "2024/01/first/index.html").read_text(encoding="utf-8")
    edit(minimal_site / "layouts/base.html", "</body>", "<!-- 版式已改 --></body>")
    assert BUILT not in build(minimal_site).err
    assert "版式已改" in (public / "index.html").read_text(encoding="utf-8")
    assert BUILT in build(minimal_site).err
    with_search = run_cli("--site", str(minimal_site), "build", "--no-pdf")
    assert with_search.code == 0 and BUILT not in with_search.err
    assert (public / "pagefind").is_dir()
    assert BUILT not in build(minimal_site, "--out", str(minimal_site / "elsewhere")).err
    # each folder keeps its own record: public/ is still as the build with search left it
    assert BUILT in run_cli("--site", str(minimal_site), "build", "--no-pdf").err


def test_an_output_changed_by_hand_is_built_again(minimal_site):
    public = minimal_site / "public"
    assert build(minimal_site).code == 0
    built = tree(public)
    (public / "index.html").unlink()
    assert BUILT not in build(minimal_site).err
    (public / "stray.html").write_text("x", encoding="utf-8")
    assert BUILT not in build(minimal_site).err
    page = public / "2024/01/first/index.html"
    page.write_text("defaced", encoding="utf-8")
    assert BUILT not in build(minimal_site).err
    assert tree(public) == built


def test_a_file_saved_while_the_build_ran_is_not_taken_as_built(minimal_site):
    chosen = uptodate.options(out=None, with_pdf=False, with_search=False, press=False)
    started_from = uptodate.inputs_digest(minimal_site, chosen)
    assert build(minimal_site).code == 0  # records the inputs as they are now
    edit(minimal_site / "content/2024/01/first.md", "title: ", "title: 新")
    # as if the build had started before the save: what it recorded must not survive
    uptodate.record(minimal_site, chosen, started_from, minimal_site / "public", {})
    assert not uptodate.record_path(minimal_site, chosen).exists()
    assert BUILT not in build(minimal_site).err


def test_an_interrupted_builds_left_overs_are_removed_by_a_build_with_nothing_to_do(minimal_site):
    assert build(minimal_site).code == 0
    dead = os.fork()
    if dead == 0:
        os._exit(0)
    os.waitpid(dead, 0)  # a process id that no longer runs
    left = minimal_site / f".public.staging-{dead}"
    left.mkdir()
    (left / "index.html").write_text("half", encoding="utf-8")
    assert BUILT in build(minimal_site).err
    assert not left.exists()


def test_a_staging_folder_left_inside_the_output_is_removed_and_not_taken_as_a_change(
        minimal_site):
    """An output that is a mount point is swapped from a staging folder inside it, where the old
    site waits to be deleted while the output is recorded: it is no part of the output. One an
    interrupted build left is removed by the next build, with nothing else to do."""
    assert build(minimal_site).code == 0
    dead = os.fork()
    if dead == 0:
        os._exit(0)
    os.waitpid(dead, 0)  # a process id that no longer runs
    left = minimal_site / "public" / f".gazette-staging-{dead}"
    left.mkdir()
    (left / "index.html").write_text("the old site", encoding="utf-8")
    assert BUILT in build(minimal_site).err
    assert not left.exists()


def test_an_output_link_pointed_at_another_folder_is_built_again(minimal_site, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    link = tmp_path / "live"
    link.symlink_to(first)
    assert build(minimal_site, "--out", str(link)).code == 0
    assert BUILT in build(minimal_site, "--out", str(link)).err
    link.unlink()
    link.symlink_to(second)  # the operator points the live folder at a new one
    again = build(minimal_site, "--out", str(link))
    assert again.code == 0 and BUILT not in again.err
    assert (second / "index.html").is_file()


def test_versions_for_cache_keys_are_the_installed_ones():
    """Read from the metadata folders' names, not through importlib.metadata (~15 ms of a
    build): each must be the version importlib.metadata gives."""
    from importlib import metadata

    from gazette_build import uptodate
    from gazette_build.printed import layout
    from gazette_build.search import indexing

    for name in ("weasyprint", "pagefind", "jinja2", "markdown-it-py", "PyYAML", "markupsafe"):
        assert uptodate.installed_version(name) == metadata.version(name), name
    assert uptodate.installed_version("no-such-package") is None
    assert layout.WEASYPRINT_VERSION == metadata.version("weasyprint")
    assert indexing._pagefind_version() == metadata.version("pagefind")


def test_a_layout_changed_while_the_build_ran_and_changed_back_is_built_again(minimal_site,
                                                                             monkeypatch):
    """The files found unchanged when the inputs are hashed are not opened again while the
    build reads them. A layout saved while the build ran shows in its output: the inputs are
    taken again, every file opened, before the output is recorded, so that the layout changed
    back is not taken as built."""
    from gazette_build import site as site_module

    layout = minimal_site / "layouts/base.html"
    original = layout.read_bytes()
    for path in minimal_site.rglob("*"):  # saved an hour ago: their digests are trusted
        os.utime(path, (path.stat().st_atime, path.stat().st_mtime - 3600))
    assert build(minimal_site).code == 0
    real_build = site_module.build

    def saved_meanwhile(*args, **kwargs):
        edit(layout, "</body>", "<!-- 一时的版式 --></body>")  # once it has been hashed
        return real_build(*args, **kwargs)

    monkeypatch.setattr(site_module, "build", saved_meanwhile)
    edit(minimal_site / "content/2024/01/second.md", "title: ", "title: 另")  # a build to do
    assert build(minimal_site).code == 0
    monkeypatch.undo()
    home = minimal_site / "public/index.html"
    assert "一时的版式" in home.read_text(encoding="utf-8")
    layout.write_bytes(original)
    again = build(minimal_site)
    assert again.code == 0 and BUILT not in again.err
    assert "一时的版式" not in home.read_text(encoding="utf-8")
    assert BUILT in build(minimal_site).err


def test_without_fork_the_build_hashes_and_records_in_one_process(minimal_site, tmp_path,
                                                                  monkeypatch):
    """Where there is no fork the children's work is done in line: the same output, the same
    record, the same answer to a build with nothing changed."""
    forked = build(minimal_site)
    assert forked.code == 0
    monkeypatch.delattr(os, "fork")
    alone = copy_site(minimal_site, tmp_path / "alone")
    shutil.rmtree(alone / ".gazette-cache")
    shutil.rmtree(alone / "public")
    built = build(alone)
    assert built.code == 0 and BUILT not in built.err
    assert tree(alone / "public") == tree(minimal_site / "public")
    assert BUILT in build(alone).err


@pytest.mark.parametrize("start", ["cold", "edited"])
def test_a_build_whose_results_could_not_be_kept_says_so_again_next_time(minimal_site,
                                                                         monkeypatch, start):
    """The output is recorded beside the saving of the memo (by a child forked before the
    build, for a cold one): a warning the saving gives comes after the record was made, so the
    record is dropped and the next build says it again."""
    from gazette_build import memoshard

    if start == "edited":
        assert build(minimal_site).code == 0  # a memo to start from
        edit(minimal_site / "content/2024/01/first.md", "title: ", "title: 新")

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(memoshard, "write", full_disk)  # and it stays full
    first = build(minimal_site)
    assert first.code == 0 and "could not keep this build's results" in first.err
    again = build(minimal_site)
    assert again.code == 0 and "could not keep this build's results" in again.err


def test_a_build_that_fails_after_its_record_was_begun_leaves_no_record(minimal_site,
                                                                       monkeypatch):
    """The record's child is told to record as soon as the site is in place, beside the save
    of the memo; a build that fails after that (here an error the save does not expect) must
    not be taken as built by the next one."""
    from gazette_build import memostore

    def broken(*args, **kwargs):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(memostore.StoredMemo, "save", broken)
    with pytest.raises(RuntimeError):
        build(minimal_site)
    chosen = uptodate.options(out=None, with_pdf=False, with_search=False, press=False)
    assert not uptodate.record_path(minimal_site, chosen).exists()
    assert not list((minimal_site / ".gazette-cache/built").glob(".built-*"))
    monkeypatch.undo()
    again = build(minimal_site)
    assert again.code == 0 and BUILT not in again.err
