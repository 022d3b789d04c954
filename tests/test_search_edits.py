"""A page edited in a large group of years goes into the index's edits part: the group's bundle
is kept as it was published, the page's old entry is listed as superseded in parts.json, and
past `MOST_EDITS` pages the group is indexed again (search/edits.py). What a reader finds in
the browser is tested in test_browser_search.py."""
from __future__ import annotations

import gzip
import json
import shutil
import sys
from pathlib import Path

import pytest

from gazette_build.search.edits import EDITS_FROM, MOST_EDITS
from gazette_build.site import build

from conftest import REPO

GROUP = "pagefind/archive/2002-2003"  # 144 pages: the years 2002 and 2003, twelve issues each
EDITS = "pagefind/archive/edits"
EDITED = "content/2002/05/shizhengbanfa-2002-27.md"


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """2001-2004 and 2005年第1期: the earlier years in groups of two (2002-2003: 144 pages)."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tools.make_archive import make_archive

    site = make_archive(tmp_path / "site", 49)
    assert EDITS_FROM <= 144 and MOST_EDITS < 72  # a year's documents are more than it keeps
    return site


def _build(site: Path, out: Path) -> None:
    build(site, out=out, with_pdf=False, stored=True)


def _retitle(site: Path, relative: str, title: str) -> None:
    path = site / relative
    lines = path.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("title: "))
    lines[at] = f"title: {title}"
    path.write_text("\n".join(lines), encoding="utf-8")


def _fragments(out: Path, bundle: str) -> dict[str, dict]:
    """Each fragment of a part by its name (the result id the search page sees)."""
    return {p.name.split(".")[0]: json.loads(gzip.decompress(p.read_bytes())[12:])
            for p in (out / bundle / "fragment").iterdir()}


def _files(out: Path, bundle: str) -> dict[str, tuple[int, int]]:
    return {p.relative_to(out).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in (out / bundle).rglob("*") if p.is_file()}


def _parts(out: Path) -> list:
    return json.loads((out / "pagefind/archive/parts.json").read_bytes())


def _given(monkeypatch) -> list[int]:
    """How many pages the indexer is given for each part it makes, in order."""
    from gazette_build.search.indexer import Indexer

    given: list[int] = []
    real = Indexer.index

    def index(self, pages, output):
        given.append(sum(1 for p in pages.rglob("*.html")))
        return real(self, pages, output)
    monkeypatch.setattr(Indexer, "index", index)
    return given


def test_an_edited_page_goes_into_the_edits_part_and_its_group_stays_as_published(
        archive, tmp_path, monkeypatch):
    out = tmp_path / "public"
    _build(archive, out)
    assert _parts(out) == ["2004-2005/", "2002-2003/", "2000-2001/"]
    group = _files(out, GROUP)
    old = {fragment["url"]: name for name, fragment in _fragments(out, GROUP).items()}
    given = _given(monkeypatch)

    _retitle(archive, EDITED, "关于河长巡河试点的通知")
    _build(archive, out)
    assert given == [1]  # the edited page alone, not its group's 144
    assert _files(out, GROUP) == group  # the group's files as published, not written again
    edits = _fragments(out, EDITS)
    assert [fragment["meta"]["title"] for fragment in edits.values()] == ["关于河长巡河试点的通知"]
    assert _parts(out) == ["2004-2005/", "2002-2003/", "2000-2001/", {
        "edits": "edits/", "superseded": [old["/2002/05/shizhengbanfa-2002-27/"]]}]
    assert not (out / EDITS / "pagefind.js").exists()  # searched with the first part's script

    _retitle(archive, "content/2003/07/shizhengfa-2003-37.md", "第二个改过的标题")
    _build(archive, out)
    assert given == [1, 2]  # the edits part: both pages
    assert _files(out, GROUP) == group
    assert _parts(out)[-1]["superseded"] == sorted(
        [old["/2002/05/shizhengbanfa-2002-27/"], old["/2003/07/shizhengfa-2003-37/"]])

    # one page more than the group keeps aside: it is indexed again, as a cold build's
    documents = sorted(p.relative_to(archive).as_posix()
                       for p in (archive / "content").glob("200[23]/*/*.md"))
    for number, relative in enumerate(documents[:MOST_EDITS + 1]):
        _retitle(archive, relative, f"第{number}次改过的标题")
    _build(archive, out)
    assert given[2:] == [144]
    assert _parts(out) == ["2004-2005/", "2002-2003/", "2000-2001/"]
    assert not (out / EDITS).exists()
    shutil.rmtree(archive / ".gazette-cache")
    build(archive, out=tmp_path / "cold", with_pdf=False)
    assert _fragments(out, GROUP) == _fragments(tmp_path / "cold", GROUP)


def test_a_page_taken_out_of_the_group_is_superseded_without_an_edits_part(
        archive, tmp_path):
    out = tmp_path / "public"
    _build(archive, out)
    old = {fragment["url"]: name for name, fragment in _fragments(out, GROUP).items()}
    (archive / EDITED).unlink()
    listing = archive / "content/2002/05/issue.yaml"
    listing.write_text(listing.read_text(encoding="utf-8").replace(
        "  - shizhengbanfa-2002-27\n", ""), encoding="utf-8")
    _build(archive, out)
    assert _parts(out)[-1] == {"superseded": [old["/2002/05/shizhengbanfa-2002-27/"]]}
    assert not (out / EDITS).exists()


def test_a_site_s_own_search_script_that_reads_no_edits_part_gets_its_group_indexed_again(
        archive, tmp_path, monkeypatch):
    """A copy of the search script of before the edits part would list an edited page's old
    entry too: its site's groups are indexed again, as before."""
    script = archive / "assets/search.js"
    script.write_text(script.read_text(encoding="utf-8").replace("superseded", "replaced"),
                      encoding="utf-8")
    out = tmp_path / "public"
    _build(archive, out)
    given = _given(monkeypatch)
    _retitle(archive, EDITED, "关于河长巡河试点的通知")
    _build(archive, out)
    assert given == [144]
    assert _parts(out) == ["2004-2005/", "2002-2003/", "2000-2001/"]
    assert "关于河长巡河试点的通知" in [fragment["meta"]["title"]
                                for fragment in _fragments(out, GROUP).values()]


def test_a_kept_group_changed_in_the_output_since_is_indexed_again(archive, tmp_path):
    """The kept bundle is the published one: a file of it changed since is not trusted, and
    the group is indexed again with its pages as they are."""
    out = tmp_path / "public"
    _build(archive, out)
    _retitle(archive, EDITED, "关于河长巡河试点的通知")
    _build(archive, out)
    chunk = sorted((out / GROUP / "index").iterdir())[0]
    chunk.write_bytes(b"damaged")
    _retitle(archive, "content/2003/07/shizhengfa-2003-37.md", "第二个改过的标题")
    _build(archive, out)
    titles = [fragment["meta"]["title"] for fragment in _fragments(out, GROUP).values()]
    assert "关于河长巡河试点的通知" in titles and "第二个改过的标题" in titles
    assert not chunk.exists() or chunk.read_bytes() != b"damaged"
    assert _parts(out) == ["2004-2005/", "2002-2003/", "2000-2001/"]
    assert not (out / EDITS).exists()


def test_a_kept_group_changed_while_the_build_ran_is_indexed_again(archive, tmp_path,
                                                                   monkeypatch):
    """Changed after the build chose to keep it (while the edits part was being made): the
    group is indexed again; the edits part it made holds the same entries as the group's,
    which the search page shows once, and supersedes nothing."""
    from gazette_build.search.indexer import Indexer

    out = tmp_path / "public"
    _build(archive, out)
    chunk = sorted((out / GROUP / "index").iterdir())[0]
    real = Indexer.index

    def index(self, pages, output):
        chunk.write_bytes(b"damaged")
        return real(self, pages, output)
    monkeypatch.setattr(Indexer, "index", index)
    _retitle(archive, EDITED, "关于河长巡河试点的通知")
    _build(archive, out)
    group = _fragments(out, GROUP)
    assert "关于河长巡河试点的通知" in [fragment["meta"]["title"] for fragment in group.values()]
    assert _parts(out)[-1] == {"edits": "edits/", "superseded": []}
    assert _fragments(out, EDITS).items() <= group.items()


def test_a_search_script_that_reads_the_archive_as_one_part_gets_no_edits_part(
        archive, tmp_path, monkeypatch):
    """A site's own script of before the parts list (it merges pagefind/archive/ whole) gets
    the archive in one part; one that names "superseded" all the same must not get an edits
    part it would never read: the part is indexed again, with the new title."""
    script = archive / "assets/search.js"
    script.write_text(script.read_text(encoding="utf-8").replace("parts.json", "partlist.json"),
                      encoding="utf-8")
    assert "superseded" in script.read_text(encoding="utf-8")
    out = tmp_path / "public"
    _build(archive, out)
    given = _given(monkeypatch)
    _retitle(archive, EDITED, "关于河长巡河试点的通知")
    _build(archive, out)
    assert given == [288]  # the archive's one part: every document but the newest issue's
    assert not (out / EDITS).exists() and not (out / "pagefind/archive/parts.json").exists()
    edited = [fragment["meta"]["title"] for fragment in _fragments(out, "pagefind/archive")
              .values() if fragment["url"] == "/2002/05/shizhengbanfa-2002-27/"]
    assert edited == ["关于河长巡河试点的通知"]
