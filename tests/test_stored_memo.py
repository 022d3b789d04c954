"""`gazette build` keeps its stages' results in .gazette-cache/memo/: a build in a fresh process
takes what did not change from there, and its output is byte for byte a cold build's."""
from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from markupsafe import Markup

from gazette_build.site import build

from conftest import REPO, run_cli, use_indexer

DOC = "content/2024/01/shizhengbanfa-2023-48.md"


def _files(folder: Path) -> dict:
    """A built site's files but the search index, which Pagefind names differently per run."""
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and p.relative_to(folder).parts[0] != "pagefind"}


def _shards(site: Path) -> list[Path]:
    return sorted((site / ".gazette-cache/memo").glob("*/*.memo"))


def _gazette(site: Path, out: Path) -> subprocess.CompletedProcess:
    """`gazette build --no-pdf` in a process of its own (its str hashes salted differently)."""
    return subprocess.run([sys.executable, "-m", "gazette_build", "--site", str(site), "build",
                           "--no-pdf", "--out", str(out)], capture_output=True, text=True,
                          check=True)


def _cold(site: Path, out: Path) -> dict:
    build(site, out=out, with_pdf=False)  # no stored memo: every stage computed
    return _files(out)


def test_a_rebuild_in_a_fresh_process_computes_nothing_and_writes_the_same_site(
        shipped_site, tmp_path):
    first = _gazette(shipped_site, tmp_path / "first")
    shards = _shards(shipped_site)
    assert len(shards) == 1
    stored = {p: p.stat().st_mtime_ns for p in shards}
    before = _files(tmp_path / "first")

    shutil.rmtree(shipped_site / ".gazette-cache/built")  # no shortcut: the whole build runs
    again = _gazette(shipped_site, tmp_path / "first")
    # nothing new was computed, so nothing new was stored
    assert {p: p.stat().st_mtime_ns for p in _shards(shipped_site)} == stored
    assert again.stderr.splitlines()[:-1] == first.stderr.splitlines()[:-1]  # same warnings
    assert _files(tmp_path / "first") == before == _cold(shipped_site, tmp_path / "cold")


def test_another_output_folder_gets_copies_not_links(shipped_site, tmp_path):
    """Two live output folders never share a file: a deploy step that edits one in place must
    not change the other."""
    _gazette(shipped_site, tmp_path / "first")
    _gazette(shipped_site, tmp_path / "second")
    assert (tmp_path / "second" / UNCHANGED).stat().st_ino != \
        (tmp_path / "first" / UNCHANGED).stat().st_ino
    # with the time it was written with: a host synchronised by time and size takes none again
    assert (tmp_path / "second" / UNCHANGED).stat().st_mtime_ns == \
        (tmp_path / "first" / UNCHANGED).stat().st_mtime_ns
    assert (tmp_path / "second" / UNCHANGED_RECORD).stat().st_mtime_ns == \
        (tmp_path / "first" / UNCHANGED_RECORD).stat().st_mtime_ns
    path = shipped_site / DOC
    path.write_text(path.read_text(encoding="utf-8").replace("三年行动计划", "五年行动计划"),
                    encoding="utf-8")
    _gazette(shipped_site, tmp_path / "second")
    assert (tmp_path / "second" / UNCHANGED).stat().st_ino != \
        (tmp_path / "first" / UNCHANGED).stat().st_ino
    assert _files(tmp_path / "second") == _cold(shipped_site, tmp_path / "cold")


def test_an_edit_is_built_as_a_cold_build_would_and_stores_only_what_it_computed(
        shipped_site, tmp_path):
    assert run_cli("--site", str(shipped_site), "build", "--no-pdf", "--out",
                   str(tmp_path / "warm")).code == 0
    path = shipped_site / DOC
    path.write_text(path.read_text(encoding="utf-8").replace("三年行动计划", "五年行动计划"),
                    encoding="utf-8")
    _gazette(shipped_site, tmp_path / "warm")
    assert "五年行动计划" in (tmp_path / "warm/2024/01/shizhengbanfa-2023-48/index.html") \
        .read_text(encoding="utf-8")
    assert len(_shards(shipped_site)) == 2  # the first build's, and the edit's few results
    assert _files(tmp_path / "warm") == _cold(shipped_site, tmp_path / "cold")


def test_a_field_only_the_feed_and_the_pages_show_is_built_as_a_cold_build_would(
        shipped_site, tmp_path):
    _gazette(shipped_site, tmp_path / "warm")
    path = shipped_site / DOC
    path.write_text(path.read_text(encoding="utf-8").replace("date: 2023-12-27",
                                                             "date: 2023-12-26"),
                    encoding="utf-8")
    _gazette(shipped_site, tmp_path / "warm")
    assert "2023年12月26日成文" in (tmp_path / "warm/feed.xml").read_text(encoding="utf-8")
    assert _files(tmp_path / "warm") == _cold(shipped_site, tmp_path / "cold")


UNCHANGED = "2024/01/shizhengfa-2023-56/index.html"  # not DOC's neighbour: the edit leaves it
EDITED = "2024/01/shizhengbanfa-2023-48/index.html"
UNCHANGED_RECORD = "2024/01/shizhengfa-2023-56/shizhengfa-2023-56.json"


def _identity(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns


def test_unchanged_pages_are_linked_from_the_last_output_not_kept_or_written_again(
        shipped_site, tmp_path):
    out = tmp_path / "public"
    _gazette(shipped_site, out)
    kept, edited = _identity(out / UNCHANGED), _identity(out / EDITED)
    kept_record = _identity(out / UNCHANGED_RECORD)
    path = shipped_site / DOC
    path.write_text(path.read_text(encoding="utf-8").replace("三年行动计划", "五年行动计划"),
                    encoding="utf-8")
    _gazette(shipped_site, out)
    # the same file (inode and time): linked into the new site, not rendered or written
    assert _identity(out / UNCHANGED) == kept
    assert _identity(out / UNCHANGED_RECORD) == kept_record  # its JSON record too
    assert _identity(out / EDITED) != edited
    # the old site is deleted before the command ends (by a child of its own): nothing is left
    # beside the output, and a kept file has no other name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public", "site"]
    assert (out / UNCHANGED).stat().st_nlink == 1
    assert "五年行动计划" in (out / EDITED).read_text(encoding="utf-8")
    assert _files(out) == _cold(shipped_site, tmp_path / "cold")
    # the memo holds where the pages are, not their bytes
    stored = b"".join(shard.read_bytes() for shard in _shards(shipped_site))
    assert (out / UNCHANGED).read_bytes()[-2000:] not in stored


def test_files_made_again_with_the_same_bytes_keep_the_published_file(shipped_site, tmp_path):
    """The issue's and the site's JSON are spliced from the records on every build, the assets
    copied: where their bytes are those published, the published file is linked (its time
    kept, as an unchanged page's), and only a file whose bytes changed is written; the memo
    holds where they are, never their bytes (nor those of a feed or a search index part)."""
    out = tmp_path / "public"
    _gazette(shipped_site, out)
    same = ["2024/01/issue.json", "documents.json", "assets/site.css", "robots.txt"]
    before = {name: _identity(out / name) for name in same}
    document_page = _identity(out / EDITED)
    base = shipped_site / "layouts/base.html"  # the pages change, not the data or the assets
    base.write_text(base.read_text(encoding="utf-8").replace("</body>", "<!-- 2 --></body>"),
                    encoding="utf-8")
    _gazette(shipped_site, out)
    assert {name: _identity(out / name) for name in same} == before
    assert _identity(out / EDITED) != document_page
    path = shipped_site / DOC  # an edit: its issue's JSON and the site's are written anew
    path.write_text(path.read_text(encoding="utf-8").replace("三年行动计划", "五年行动计划"),
                    encoding="utf-8")
    config = shipped_site / "site.yaml"  # and a setting the feed shows: the feed is made again
    config.write_text(config.read_text(encoding="utf-8").replace(
        "title: 晋中市人民政府公报", "title: 晋中市人民政府公报（试刊）", 1), encoding="utf-8")
    _gazette(shipped_site, out)
    after = {name: _identity(out / name) for name in same}
    assert [name for name in same if after[name] != before[name]] == same[:2]
    assert _files(out) == _cold(shipped_site, tmp_path / "cold")
    stored = b"".join(shard.read_bytes() for shard in _shards(shipped_site))
    for name in ("documents.json", "2024/01/issue.json", "assets/site.css", "feed.xml",
                 "sitemap.xml", "pagefind/pagefind.js", "pagefind/wasm.unknown.pagefind"):
        assert (out / name).read_bytes()[-2000:] not in stored, name


def test_two_files_of_the_same_bytes_are_never_one_file(shipped_site, tmp_path):
    """Two empty files are the one bytes object Python keeps for b"": the memo must not record
    one of them as the other's file, or the next build links them into one (a file edited in
    place after publishing would change both)."""
    out = tmp_path / "public"
    for name in ("a.txt", "b.txt"):
        (shipped_site / "assets" / name).write_bytes(b"")
    _gazette(shipped_site, out)
    css = shipped_site / "assets/site.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* 2 */\n", encoding="utf-8")
    _gazette(shipped_site, out)
    assert (out / "assets/a.txt").stat().st_ino != (out / "assets/b.txt").stat().st_ino
    assert (out / "assets/a.txt").stat().st_nlink == 1


@pytest.mark.parametrize("damage", ["rewritten", "removed", "replaced"])
def test_a_page_changed_in_the_output_since_is_rendered_again(shipped_site, tmp_path, damage):
    out = tmp_path / "public"
    _gazette(shipped_site, out)
    page = out / UNCHANGED
    if damage == "rewritten":  # in place, same size: only its time tells
        page.write_bytes(b"x" * page.stat().st_size)
    elif damage == "removed":
        page.unlink()
    else:  # another file of the same size and time put in its place
        stat = page.stat()
        spare = page.with_name("spare")
        spare.write_bytes(b"x" * stat.st_size)
        os.utime(spare, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        spare.replace(page)
    _gazette(shipped_site, out)
    assert _files(out) == _cold(shipped_site, tmp_path / "cold")


ARCHIVE_2001 = "pagefind/archive/2001-2001"  # the archive's one part: 2001, beside the newest year


def _indexed_text(out: Path, bundle: str = "pagefind") -> str:
    """The text of every page in a part of the search index (Pagefind's fragments: gzip, a
    signature, then JSON whose words are joined by zero-width spaces)."""
    return "".join(gzip.decompress(p.read_bytes()).decode("utf-8").replace("\u200b", "")
                   for p in sorted((out / bundle / "fragment").iterdir()))


def _bundle(out: Path) -> dict:
    return {p.relative_to(out): p.read_bytes() for p in (out / "pagefind").rglob("*")
            if p.is_file()}


def test_the_search_index_is_made_while_the_data_files_are(shipped_site, tmp_path,
                                                          monkeypatch):
    from pagefind.service import get_executable

    from gazette_build import data, site as site_module

    started = tmp_path / "indexer-started"
    use_indexer(monkeypatch, tmp_path, f"touch '{started}'\nexec '{get_executable()}' \"$@\"")
    seen, make = [], data.data_files

    def data_files(*args, **kwargs):
        deadline = time.monotonic() + 10  # the indexer's process is on its way
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        seen.append(started.exists())
        return make(*args, **kwargs)

    monkeypatch.setattr(site_module.data, "data_files", data_files)
    build(shipped_site, out=tmp_path / "public", with_pdf=False, stored=True)
    assert seen == [True]  # the indexer had started when the data files were begun
    assert "三年行动计划" in _indexed_text(tmp_path / "public")


def test_the_indexer_loads_its_dictionary_while_the_documents_are_read(shipped_site, tmp_path,
                                                                       monkeypatch):
    """Pagefind loads its Chinese dictionary at the first words it segments (~0.2 s at 1,500
    documents): it is started, and given words, as the build begins, not when the pages are
    rendered."""
    from pagefind.service import get_executable

    from gazette_build import site as site_module

    asked = tmp_path / "asked"  # what the build sends the indexer, as it sends it
    use_indexer(monkeypatch, tmp_path, f"tee '{asked}' | exec '{get_executable()}' \"$@\"")
    seen, load = [], site_module.load_site

    def requests() -> list[dict]:
        sent = asked.read_bytes().split(b",")[:-1] if asked.exists() else []
        return [json.loads(base64.b64decode(message))["payload"] for message in sent]

    def load_site(*args, **kwargs):
        deadline = time.monotonic() + 10  # the indexer's process is on its way
        while len(requests()) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        seen.append([request["type"] for request in requests()])
        return load(*args, **kwargs)

    monkeypatch.setattr(site_module, "load_site", load_site)
    build(shipped_site, out=tmp_path / "public", with_pdf=False, stored=True)
    assert seen == [["NewIndex", "AddRecord"]]  # words to segment, before a document was read
    assert "三年行动计划" in _indexed_text(tmp_path / "public")


def test_the_indexer_is_given_the_pages_as_links_beside_the_output(shipped_site, tmp_path,
                                                                     monkeypatch):
    """The indexer's folder is beside the output, on its file system: the pages are linked
    into it, not copied (0.6 s of an edit's rebuild for a group of years of 576 pages), those
    taken from the last output too."""
    from pagefind.service import get_executable

    build(shipped_site, out=tmp_path / "public", with_pdf=False, stored=True)
    other = shipped_site / "content/2024/01/shizhengfa-2024-1.md"  # its part is indexed again
    other.write_text(other.read_text(encoding="utf-8") + "\n新的一段。\n", encoding="utf-8")
    seen = tmp_path / "links"
    page = "2024/01/shizhengbanfa-2024-3/index.html"
    use_indexer(monkeypatch, tmp_path, f"""for i in $(seq 200); do
  for page in '{tmp_path}'/.public.search-*/part-*/pages/{page}; do
    if [ -f "$page" ]; then stat -c %h "$page" > '{seen}'; break 2; fi
  done
  sleep 0.05
done
exec '{get_executable()}' "$@\"""")
    build(shipped_site, out=tmp_path / "public", with_pdf=False, stored=True)
    assert int(seen.read_text()) >= 2  # the last output's file, linked
    assert not list(tmp_path.glob(".public.search-*"))  # removed once the index was read


def test_each_part_after_the_first_is_indexed_by_a_process_of_its_own(tmp_path, monkeypatch):
    """The indexer started with the build takes the first part; each later part Pagefind's
    command, which ends with it: one service for all kept much of their memory (a cold build's
    peak at 1,500 documents 457 MiB instead of 388)."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from pagefind.service import get_executable

    from tools.make_archive import make_archive

    started = tmp_path / "started"
    use_indexer(monkeypatch, tmp_path, f"echo $$ >> '{started}'\nexec '{get_executable()}' \"$@\"")
    site = make_archive(tmp_path / "site", 25)  # 2001 and 2002, and 2003年第1期 the newest
    build(site, out=tmp_path / "public", with_pdf=False, stored=True)
    assert len(started.read_text().split()) == 3  # three parts: pagefind/, 2002, 2001
    assert "三年行动计划" in _indexed_text(tmp_path / "public", ARCHIVE_2001)


def test_the_other_files_are_written_while_the_indexer_runs(shipped_site, tmp_path,
                                                          monkeypatch):
    """An edit's index part takes longer than everything else the build makes after its pages
    (0.28 s against 0.17 s at 1,500 documents): the other files go into the staging folder
    while the indexer runs, not after it."""
    from pagefind.service import get_executable

    seen = tmp_path / "feed-seen"
    use_indexer(monkeypatch, tmp_path, f"""for i in $(seq 200); do
  if ls '{tmp_path}'/.public.staging-*/feed.xml >/dev/null 2>&1; then touch '{seen}'; break; fi
  sleep 0.05
done
exec '{get_executable()}' "$@\"""")
    build(shipped_site, out=tmp_path / "public", with_pdf=False, stored=True)
    assert seen.exists()  # the feed was in the staging folder while the indexer ran
    assert "三年行动计划" in _indexed_text(tmp_path / "public")


def test_the_indexer_is_found_without_importing_asyncio(shipped_site, tmp_path):
    """pagefind.service imports asyncio (~0.1 s of an edit's rebuild) to find its binary."""
    out = tmp_path / "public"
    script = ("import sys; from gazette_build.cli import main; "
              f"main(['--site', {str(shipped_site)!r}, 'build', '--no-pdf', '--out', {str(out)!r}]); "
              "print('asyncio' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["False"]
    assert "三年行动计划" in _indexed_text(out)


def test_the_search_index_is_taken_back_when_no_page_changed_and_made_again_after_an_edit(
        shipped_site, tmp_path):
    _gazette(shipped_site, tmp_path / "first")
    _gazette(shipped_site, tmp_path / "again")
    # indexing again would name its chunks differently: the very same bundle was taken back
    assert _bundle(tmp_path / "again") == _bundle(tmp_path / "first")
    path = shipped_site / DOC
    path.write_text(path.read_text(encoding="utf-8").replace("三年行动计划", "五年行动计划"),
                    encoding="utf-8")
    _gazette(shipped_site, tmp_path / "edited")
    assert "五年行动计划" not in _indexed_text(tmp_path / "first")
    assert "五年行动计划" in _indexed_text(tmp_path / "edited")


@pytest.mark.parametrize("source, old, new, page", [
    ("layouts/document.html", '<article class="document"', '<p>改版</p><article class="document"',
     "2024/01/shizhengfa-2024-1/index.html"),
    ("site.yaml", "publisher: 晋中市人民政府办公室", "publisher: 晋中市人民政府办公厅", "index.html"),
], ids=["layout", "site.yaml"])
def test_a_layout_or_site_yaml_change_gives_a_cold_builds_output(shipped_site, tmp_path, source,
                                                                 old, new, page):
    _gazette(shipped_site, tmp_path / "warm")
    path = shipped_site / source
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    _gazette(shipped_site, tmp_path / "warm")
    assert new.split(": ")[-1] in (tmp_path / "warm" / page).read_text(encoding="utf-8")
    assert _files(tmp_path / "warm") == _cold(shipped_site, tmp_path / "cold")


def test_a_damaged_shard_is_dropped_with_a_warning_and_recomputed(shipped_site, tmp_path):
    _gazette(shipped_site, tmp_path / "first")
    shard, = _shards(shipped_site)
    data = shard.read_bytes()
    shard.write_bytes(data[:len(data) // 2])  # a shard cut short, as by a full disk

    result = run_cli("--site", str(shipped_site), "build", "--no-pdf", "--out",
                     str(tmp_path / "again"))
    assert result.code == 0
    relative = shard.relative_to(shipped_site).as_posix()
    assert f"warning: {relative}:1: cache: damaged (its digest does not match its contents); " \
           "dropped, its results are computed again" in result.lines
    assert _files(tmp_path / "again") == _files(tmp_path / "first")
    assert not shard.exists() and len(_shards(shipped_site)) == 1  # stored anew, whole


def test_a_damaged_kept_text_is_found_when_read_and_the_build_starts_again(shipped_site,
                                                                            tmp_path):
    """The shard's digest covers its pickles; its texts (most of its bytes) are each checked
    when read. A document's HTML damaged in the shard is found when the pages must be made
    again from it (a layout changed): the build says so, drops the memo and builds again,
    and publishes what a build without the memo does."""
    _gazette(shipped_site, tmp_path / "first")
    shard, = _shards(shipped_site)
    data = bytearray(shard.read_bytes())
    html = "<p class=\"addressees\">".encode()
    at = data.index(html, data.index(b"gazette-memo") + 100) + len(html) + 2
    data[at] ^= 1  # a byte of a document's HTML kept in the shard
    shard.write_bytes(bytes(data))
    base = shipped_site / "layouts" / "base.html"
    base.write_text(base.read_text(encoding="utf-8") + "{# changed #}\n", encoding="utf-8")

    result = run_cli("--site", str(shipped_site), "build", "--no-pdf", "--out",
                     str(tmp_path / "again"))
    assert result.code == 0, result.err
    relative = shard.relative_to(shipped_site).as_posix()
    assert f"warning: {relative}:1: cache: damaged (a text does not match its digest); " \
           "dropped, the build starts again without the stored results" in result.lines
    assert not shard.exists() and len(_shards(shipped_site)) == 1
    assert _files(tmp_path / "again") == _cold(shipped_site, tmp_path / "cold")


def _stored_build(site: Path, out: Path) -> None:
    build(site, out=out, with_pdf=False, stored=True)


def test_a_shard_none_of_whose_results_is_used_any_more_is_deleted(shipped_site, tmp_path):
    out = tmp_path / "public"
    _stored_build(shipped_site, out)
    first, = _shards(shipped_site)
    path = shipped_site / DOC
    for words in ("五年行动计划", "六年行动计划", "七年行动计划"):  # the same document, edited again
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(text[text.index("年行动计划") - 1:][:6], words),
                        encoding="utf-8")
        _stored_build(shipped_site, out)
        # the first build's shard, and the last edit's: the edit before it is dead
        assert len(_shards(shipped_site)) == 2 and _shards(shipped_site)[0] == first
    assert _files(out) == _cold(shipped_site, tmp_path / "cold")


def test_a_memo_of_more_dead_results_than_live_ones_is_written_again_as_one_shard(
        shipped_site, tmp_path):
    out = tmp_path / "public"
    _stored_build(shipped_site, out)
    config = shipped_site / "site.yaml"
    # most keys hold the configuration: their results die, the documents' sources live on
    config.write_text(config.read_text(encoding="utf-8").replace(
        "title: 晋中市人民政府公报", "title: 晋中市人民政府公报（试刊）", 1), encoding="utf-8")
    _stored_build(shipped_site, out)
    shard, = _shards(shipped_site)
    _stored_build(shipped_site, out)  # nothing computed: nothing added
    assert _shards(shipped_site) == [shard]
    assert _files(out) == _cold(shipped_site, tmp_path / "cold")


def test_results_of_another_code_version_are_never_read(shipped_site, tmp_path):
    _gazette(shipped_site, tmp_path / "first")
    shard, = _shards(shipped_site)
    stale = shipped_site / ".gazette-cache/memo/0123-another-version" / shard.name
    stale.parent.mkdir()
    shard.rename(stale)
    _gazette(shipped_site, tmp_path / "again")
    assert not stale.parent.exists()  # dropped, not read
    assert _files(tmp_path / "again") == _files(tmp_path / "first")


def test_an_edit_in_the_newest_year_leaves_the_earlier_years_index_as_it_was(tmp_path):
    """The index is in parts: the newest issue's (pagefind/; here the newest year's only one)
    and the earlier years' in groups of years (pagefind/archive/2001-2001/). An edit in the
    newest issue indexes that issue again and
    takes the archive's parts back unchanged; an edit in an earlier year indexes its part
    again."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tools.make_archive import make_archive

    site = make_archive(tmp_path / "site", 1)  # 2001年第1期
    shutil.copytree(REPO / "content" / "2024", site / "content" / "2024")
    _gazette(site, tmp_path / "first")
    archive = lambda out: {path: data for path, data in _bundle(out).items()  # noqa: E731
                           if path.parts[1] == "archive"}
    assert archive(tmp_path / "first") and (tmp_path / "first/pagefind/pagefind.js").is_file()
    assert not (tmp_path / "first/pagefind/archive/pagefind.js").exists()  # the first part's
    newest = site / DOC
    newest.write_text(newest.read_text(encoding="utf-8").replace("三年行动计划", "五年行动计划"),
                      encoding="utf-8")
    _gazette(site, tmp_path / "newest")
    assert archive(tmp_path / "newest") == archive(tmp_path / "first")
    # in the folder it was published in, taken back by linking its files, not from the memo
    inode = lambda out: {p.relative_to(out): p.stat().st_ino  # noqa: E731
                         for p in (out / "pagefind/archive").rglob("*")
                         if p.is_file() and p.name != "parts.json"}  # the list: written anew
    linked = inode(tmp_path / "first")
    newest.write_text(newest.read_text(encoding="utf-8").replace("五年行动计划", "六年行动计划"),
                      encoding="utf-8")
    _gazette(site, tmp_path / "first")
    assert inode(tmp_path / "first") == linked
    assert "六年行动计划" in _indexed_text(tmp_path / "first")
    earlier = site / "content/2001/01/shizhengbanfa-2001-3.md"  # the seed's 充电 plan again
    earlier.write_text(earlier.read_text(encoding="utf-8").replace("三年行动计划", "七年行动计划"),
                       encoding="utf-8")
    _gazette(site, tmp_path / "earlier")
    assert archive(tmp_path / "earlier") != archive(tmp_path / "first")
    assert "七年行动计划" in _indexed_text(tmp_path / "earlier", ARCHIVE_2001)
    assert "七年行动计划" not in _indexed_text(tmp_path / "earlier")


def test_an_edit_in_an_earlier_year_indexes_only_its_group_of_years_again(tmp_path):
    """A status changed or a 勘误 linked back in an old document indexes its group of years
    again, not the whole archive (1,440 pages at 1,500 documents)."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tools.make_archive import make_archive

    site = make_archive(tmp_path / "site", 25)  # 2001 and 2002, and 2003年第1期 the newest
    out = tmp_path / "public"
    assert "search.js" not in _gazette(site, out).stderr
    assert json.loads((out / "pagefind/archive/parts.json").read_bytes()) == [
        "2002-2002/", "2001-2001/"]
    inode = lambda part: {p.name: p.stat().st_ino  # noqa: E731
                          for p in (out / "pagefind/archive" / part).rglob("*") if p.is_file()}
    untouched = inode("2002-2002")
    earlier = site / "content/2001/01/shizhengbanfa-2001-3.md"
    earlier.write_text(earlier.read_text(encoding="utf-8").replace("三年行动计划", "七年行动计划"),
                       encoding="utf-8")
    _gazette(site, out)
    assert inode("2002-2002") == untouched  # taken back as it was published
    assert "七年行动计划" in _indexed_text(out, "pagefind/archive/2001-2001")
    assert "七年行动计划" not in _indexed_text(out, "pagefind/archive/2002-2002")
    # a site's own search script of before the parts looks for the archive as one index: it
    # gets one, and a word why
    script = site / "assets/search.js"
    script.write_text(script.read_text(encoding="utf-8").replace("parts.json", "archive.json"),
                      encoding="utf-8")
    assert ("warning: assets/search.js:1: search: this search script reads the index beside the "
            "newest issue's as one part, so it is made in one part; the shipped assets/search.js "
            "reads it in parts (an edit outside the newest issue then indexes only its year or "
            "group of years again): copy it from this version of gazette") in _gazette(
                site, out).stderr
    assert not (out / "pagefind/archive/parts.json").exists()
    assert "七年行动计划" in _indexed_text(out, "pagefind/archive")
    assert "三年行动计划" in _indexed_text(out, "pagefind/archive")  # 2002's 充电 plans


def test_a_part_indexed_again_starts_from_its_last_bundle_and_ends_as_a_cold_build_s(
        tmp_path, monkeypatch):
    """A title edited in 2001 indexes the 2001 part again: Pagefind finds that part's last
    fragments, chunks and filters where it writes, and does not compress again those whose
    names it would give (1.4 s of 2.4 s for a group of years at 1,500 documents): the pages
    that did not change keep the published fragment files. The part published is a cold
    build's, file for file: the edited page's old fragment and the old chunks are left out."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from gazette_build.search.indexer import Indexer

    from tools.make_archive import make_archive

    site = make_archive(tmp_path / "site", 25)  # 2001 and 2002, and 2003年第1期 the newest
    out = tmp_path / "public"
    build(site, out=out, with_pdf=False, stored=True)
    fragments = out / ARCHIVE_2001 / "fragment"
    published = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in fragments.iterdir()}
    written: dict[str, tuple[int, int]] = {}
    real_bundle = Indexer.bundle

    def bundle(self, request, timeout):  # what Pagefind left in the folder it wrote the part to
        folder = real_bundle(self, request, timeout)
        if (folder / "fragment").is_dir():
            written.update({p.name: (p.stat().st_ino, p.stat().st_mtime_ns)
                            for p in (folder / "fragment").iterdir()})
        return folder
    monkeypatch.setattr(Indexer, "bundle", bundle)
    edited = site / "content/2001/01/shizhengbanfa-2001-3.md"
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace("\ntitle: ", "\ntitle: 修订后的", 1), encoding="utf-8")
    build(site, out=out, with_pdf=False, stored=True)
    now = {p.name for p in fragments.iterdir()}
    kept = {name for name in now if name in published and written.get(name) == published[name]}
    assert len(kept) == len(now) - 1 == 71  # all but the edited page's: not written again
    assert len(published.keys() - now) == 1  # its old fragment: given, not published
    assert "修订后的" in _indexed_text(out, ARCHIVE_2001)
    shutil.rmtree(site / ".gazette-cache")
    build(site, out=tmp_path / "cold", with_pdf=False)
    for folder in ("fragment", "index"):
        assert {p.name: p.read_bytes() for p in (out / ARCHIVE_2001 / folder).iterdir()} == {
            p.name: p.read_bytes() for p in (tmp_path / "cold" / ARCHIVE_2001 / folder).iterdir()}
    assert len(list((out / ARCHIVE_2001).rglob("*"))) == \
        len(list((tmp_path / "cold" / ARCHIVE_2001).rglob("*")))


@pytest.mark.parametrize("trouble", ["a published fragment changed", "metadata not read"])
def test_a_part_indexed_again_is_a_cold_build_s_whatever_its_last_bundle_became(
        tmp_path, monkeypatch, trouble):
    """The last bundle's files are given only as they were written: one changed in the
    published site since is not (Pagefind writes it), and where this code cannot read the new
    bundle's metadata (another Pagefind's format), the part is indexed again from nothing."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from gazette_build.search import reuse

    from tools.make_archive import make_archive

    site = make_archive(tmp_path / "site", 25)  # 2001 and 2002, and 2003年第1期 the newest
    out = tmp_path / "public"
    build(site, out=out, with_pdf=False, stored=True)
    if trouble == "metadata not read":
        def unread(output):
            raise ValueError("unreadable bundle metadata (a format of another version)")
        monkeypatch.setattr(reuse, "named", unread)
    else:
        damaged = sorted((out / ARCHIVE_2001 / "fragment").iterdir())[5]
        damaged.write_bytes(gzip.compress(b"pagefind_dcd{}"))
    edited = site / "content/2001/02/shizhengbanfa-2001-9.md"
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace("\ntitle: ", "\ntitle: 修订后的", 1), encoding="utf-8")
    build(site, out=out, with_pdf=False, stored=True)
    shutil.rmtree(site / ".gazette-cache")
    build(site, out=tmp_path / "cold", with_pdf=False)
    for folder in ("fragment", "index"):
        assert {p.name: p.read_bytes() for p in (out / ARCHIVE_2001 / folder).iterdir()} == {
            p.name: p.read_bytes() for p in (tmp_path / "cold" / ARCHIVE_2001 / folder).iterdir()}
    assert "修订后的" in _indexed_text(out, ARCHIVE_2001)


def test_a_build_without_its_stored_results_starts_each_part_from_the_index_as_published(
        tmp_path, monkeypatch):
    """With no stored results (.gazette-cache/ removed, or gazette upgraded: the new code reads
    none of the old), each part starts from the bundle in the output folder: Pagefind does not
    compress again the files that hold what their names say (a build at 1,500 documents 8.1 s
    instead of 10.0 s), and writes again one that does not (damaged since). A file of another
    part put there is left out. The index is a cold build's into an empty folder, file for file."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from gazette_build.search.indexer import Indexer

    from tools.make_archive import make_archive

    site = make_archive(tmp_path / "site", 25)  # 2001 and 2002, and 2003年第1期 the newest
    out = tmp_path / "public"
    build(site, out=out, with_pdf=False)
    fragments = out / ARCHIVE_2001 / "fragment"
    damaged = sorted(fragments.iterdir())[3]
    damaged.write_bytes(gzip.compress(b"pagefind_dcd{}"))
    stray = sorted((out / "pagefind/archive/2002-2002/fragment").iterdir())[0]
    shutil.copyfile(stray, fragments / stray.name)  # holds what its name says, of another part
    published = {p.name: p.stat().st_ino for p in fragments.iterdir()}
    written: dict[str, int] = {}
    real_bundle = Indexer.bundle

    def bundle(self, request, timeout):  # what Pagefind left in the folder it wrote a part to
        folder = real_bundle(self, request, timeout)
        written.update({p.name: p.stat().st_ino for p in (folder / "fragment").iterdir()})
        return folder
    monkeypatch.setattr(Indexer, "bundle", bundle)
    build(site, out=out, with_pdf=False)
    kept = {name for name, inode in published.items() if written.get(name) == inode}
    assert kept == published.keys() - {damaged.name}  # linked, not written again
    assert len(kept) == 72
    build(site, out=tmp_path / "cold", with_pdf=False)
    for part in ("pagefind", ARCHIVE_2001, "pagefind/archive/2002-2002"):
        for folder in ("fragment", "index"):
            assert {p.name: p.read_bytes() for p in (out / part / folder).iterdir()} == {
                p.name: p.read_bytes() for p in (tmp_path / "cold" / part / folder).iterdir()}
    assert len(list((out / "pagefind").rglob("*"))) == \
        len(list((tmp_path / "cold" / "pagefind").rglob("*")))


def test_a_link_in_the_published_index_is_never_followed(tmp_path):
    """What the output folder holds is read only where it is a file of its own: a link there
    named as a fragment, to a pipe outside the site that nobody writes to, is passed over (its
    open would wait forever), and the build ends with the index a cold build makes."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tools.make_archive import make_archive

    site = make_archive(tmp_path / "site", 25)
    out = tmp_path / "public"
    _gazette(site, out)
    shutil.rmtree(site / ".gazette-cache")  # the part starts from what is published
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    fragments = out / ARCHIVE_2001 / "fragment"
    (fragments / "zh-cn_1234567.pf_fragment").symlink_to(pipe)
    subprocess.run([sys.executable, "-m", "gazette_build", "--site", str(site), "build",
                    "--no-pdf", "--out", str(out)], capture_output=True, check=True, timeout=60)
    assert not (fragments / "zh-cn_1234567.pf_fragment").exists()
    _gazette(site, tmp_path / "cold")
    assert sorted(p.name for p in fragments.iterdir()) == \
        sorted(p.name for p in (tmp_path / "cold" / ARCHIVE_2001 / "fragment").iterdir())


def test_a_correction_published_today_leaves_the_index_of_the_years_it_corrects(tmp_path):
    """A 勘误 in the newest issue puts a notice on the page of the document it corrects, years
    back: the notice is not in the index (what the document says is), so that part of the
    index is taken back as it was, with no indexing (5 s at 1,500 documents); the 勘误 itself
    is indexed with the newest issue. A change there that Pagefind reads is indexed again."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tools.make_archive import make_archive

    site = make_archive(tmp_path / "site", 25)  # 2001 and 2002, and 2003年第1期 the newest
    out = tmp_path / "public"
    _gazette(site, out)
    inode = lambda: {p.name: p.stat().st_ino  # noqa: E731
                     for p in (out / ARCHIVE_2001).rglob("*") if p.is_file()}
    published = inode()
    (site / "content/2003/01/kanwu.md").write_text(
        "---\ntitle: 关于《晋中市电动汽车充（换）电基础设施建设三年行动计划》的勘误\n"
        "number: 市政办发〔2003〕99号\ndate: 2003-01-20\nissuer: 晋中市人民政府办公室\n"
        "corrects: 市政办发〔2001〕3号\n---\n\n原文“公共充电桩”应为“公用充电桩”。\n",
        encoding="utf-8")
    issue = site / "content/2003/01/issue.yaml"
    issue.write_text(issue.read_text(encoding="utf-8") + "  - kanwu\n", encoding="utf-8")
    _gazette(site, out)
    corrected = next(out.glob("2001/01/shizhengbanfa-2001-3/index.html")).read_text("utf-8")
    assert "本文件的更正见" in corrected  # the page shows the notice
    assert inode() == published  # the 2001 part as it was published: linked, not made again
    assert "公用充电桩" in _indexed_text(out)  # the 勘误, with the newest issue
    earlier = site / "content/2001/01/shizhengbanfa-2001-3.md"
    earlier.write_text(earlier.read_text(encoding="utf-8").replace("三年行动计划", "七年行动计划"),
                       encoding="utf-8")
    _gazette(site, out)
    assert inode() != published
    assert "七年行动计划" in _indexed_text(out, ARCHIVE_2001)


def test_a_site_s_own_notices_layout_that_indexes_them_is_told_why_to_copy_the_shipped_one(
        tmp_path):
    """A site's own layouts/_validity.html of before the notices were left out of the index
    (no data-pagefind-ignore but in its comment) is named with what it costs: the notices are
    searched as the documents' words, and a 勘误 indexes the corrected document's years again."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tools.make_archive import make_archive

    site = make_archive(tmp_path / "site", 25)
    layout = site / "layouts/_validity.html"
    assert "_validity.html" not in _gazette(site, tmp_path / "public").stderr  # the shipped one
    text = layout.read_text(encoding="utf-8")
    comment_end = text.index("#}") + 2
    layout.write_text(text[:comment_end] + text[comment_end:].replace(
        " data-pagefind-ignore", ""), encoding="utf-8")
    assert "data-pagefind-ignore" in layout.read_text(encoding="utf-8")  # in its comment only
    assert ("warning: layouts/_validity.html:1: search: its notices (废止, 修改, 勘误) are "
            "indexed as the words of the documents they are on, so a 勘误 or a repeal "
            "published today indexes the old document's years again; the shipped "
            "layouts/_validity.html marks them data-pagefind-ignore: copy it from this version "
            "of gazette") in _gazette(site, tmp_path / "public").stderr


def test_an_edit_in_the_newest_issue_indexes_that_issue_alone_again(tmp_path):
    """Editors work in the newest issue: its documents are the index's first part (pagefind/),
    the newest year's other issues a part of their own (pagefind/archive/2002-2002/, listed
    first), so that an edit there indexes ~6 pages, not the year's (0.28 s instead of 0.46 s
    at 1,500 documents: most of an edit's rebuild with the index). An edit in an earlier issue
    of the same year indexes that year's part again, and not the newest issue's."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tools.make_archive import make_archive

    site = make_archive(tmp_path / "site", 14)  # 2001, and 2002年第1、2期
    out = tmp_path / "public"
    _gazette(site, out)
    assert json.loads((out / "pagefind/archive/parts.json").read_bytes()) == [
        "2002-2002/", "2001-2001/"]
    inode = lambda part: {p.name: p.stat().st_ino  # noqa: E731
                          for p in (out / part).rglob("*") if p.is_file() and p.name != "parts.json"
                          and (part != "pagefind" or "archive" not in p.parts)}
    year_part = inode("pagefind/archive/2002-2002")
    newest = next(p for p in (site / "content/2002/02").glob("*.md")
                  if "三年行动计划" in p.read_text(encoding="utf-8"))  # the 充电 plan
    newest.write_text(newest.read_text(encoding="utf-8").replace("三年行动计划", "五年行动计划"),
                      encoding="utf-8")
    _gazette(site, out)
    assert inode("pagefind/archive/2002-2002") == year_part  # taken back as it was published
    assert "五年行动计划" in _indexed_text(out)
    assert "五年行动计划" not in _indexed_text(out, "pagefind/archive/2002-2002")
    first_part = inode("pagefind")
    earlier = next(p for p in (site / "content/2002/01").glob("*.md")
                   if "三年行动计划" in p.read_text(encoding="utf-8"))
    earlier.write_text(earlier.read_text(encoding="utf-8").replace("三年行动计划", "七年行动计划"),
                       encoding="utf-8")
    _gazette(site, out)
    assert inode("pagefind") == first_part
    assert "七年行动计划" in _indexed_text(out, "pagefind/archive/2002-2002")
    assert "七年行动计划" not in _indexed_text(out)
    urls = [json.loads(text[text.index("{"):])["url"] for text in (
        gzip.decompress(p.read_bytes()).decode("utf-8")
        for p in (out / "pagefind").glob("**/fragment/*"))]
    assert len(urls) == len(set(urls)) == 84  # each document in one part


@pytest.mark.parametrize("own", ["assets/search.js", "layouts/search.html"])
def test_a_search_page_of_before_the_parts_gets_the_whole_index_in_its_one_part(tmp_path, own):
    """A site's own search page of before the archive (its script merges no other index, or its
    layout names none) searches pagefind/ alone: every document is indexed there, with a word
    at the file why to copy the shipped one, instead of all but the newest issue unsearchable."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tools.make_archive import make_archive

    site = make_archive(tmp_path / "site", 14)  # 2001, and 2002年第1、2期
    path = site / own
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("mergeIndex", "mergeOther") if own.endswith(".js") else
                    text.replace("data-archive-index", "data-other"), encoding="utf-8")
    out = tmp_path / "public"
    said = _gazette(site, out).stderr
    assert f"warning: {own}:1: search: this search page searches one index, so every document " \
        "is indexed in pagefind/" in said
    assert not (out / "pagefind/archive").exists()
    urls = {json.loads(text[text.index("{"):])["url"] for text in (
        gzip.decompress(p.read_bytes()).decode("utf-8")
        for p in (out / "pagefind/fragment").iterdir())}
    assert len(urls) == 84


def test_each_document_is_in_one_part_of_the_index_when_a_group_spans_the_newest_year(
        tmp_path, monkeypatch):
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from gazette_build.search import parts
    from tools.make_archive import make_archive

    site = make_archive(tmp_path / "site", 25)  # 2001, 2002 and 2003 (the newest)
    monkeypatch.setattr(parts, "ARCHIVE_PARTS", 1)  # groups of two years: 2002-2003, 2000-2001
    out = tmp_path / "public"
    build(site, out=out, with_pdf=False)
    assert json.loads((out / "pagefind/archive/parts.json").read_bytes()) == [
        "2002-2003/", "2000-2001/"]
    urls = [json.loads(text[text.index("{"):])["url"] for text in (
        gzip.decompress(p.read_bytes()).decode("utf-8")
        for p in (out / "pagefind").glob("**/fragment/*"))]
    assert len(urls) == len(set(urls)) == 150  # found once, in its own year's part


@pytest.mark.parametrize("per_year", [None, 72, 600, 5000])
@pytest.mark.parametrize("last", range(2001, 2060))
def test_the_archive_groups_stay_few_and_stay_put_as_years_are_added(last, per_year):
    """About `ARCHIVE_PARTS` groups of years, fewer documents than `ARCHIVE_PART_DOCUMENTS` in
    each but where one year holds more (Pagefind's memory while it indexes a part: 5.4 GB for a
    group of 9,216 pages, 1.4 GB for 2,304), and a new year changes only the newest group."""
    from gazette_build.search import parts

    years = list(range(last, 2000, -1))  # newest first, as the site lists them
    documents = None if per_year is None else {year: per_year for year in range(2001, 2100)}
    groups = parts.archive_groups(years, documents)
    held = [sum((documents or {}).get(y, 0) for y in years if first <= y <= end)
            for first, end in groups]
    if per_year is None or per_year * len(years) <= parts.ARCHIVE_PART_DOCUMENTS:
        assert len(groups) <= parts.ARCHIVE_PARTS + 1
    assert all(count <= parts.ARCHIVE_PART_DOCUMENTS or first == end
               for count, (first, end) in zip(held, groups))
    assert sorted(y for y in years for first, end in groups if first <= y <= end) == sorted(years)
    added = parts.archive_groups([last + 1, *years], documents)
    spans = lambda found: {end - first for first, end in found}  # noqa: E731
    if spans(added) == spans(groups):  # the span doubles now and then: all groups change once
        assert set(groups) - set(added) <= {groups[0]}  # else only the newest group may grow


def test_a_file_of_the_kept_search_index_changed_since_makes_its_part_again(tmp_path):
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tools.make_archive import make_archive

    site = make_archive(tmp_path / "site", 1)
    shutil.copytree(REPO / "content" / "2024", site / "content" / "2024")
    out = tmp_path / "public"
    _gazette(site, out)
    for fragment in (out / ARCHIVE_2001 / "fragment").iterdir():  # defaced in place
        fragment.write_bytes(b"x" * fragment.stat().st_size)
    newest = site / DOC
    newest.write_text(newest.read_text(encoding="utf-8").replace("三年行动计划", "五年行动计划"),
                      encoding="utf-8")
    _gazette(site, out)
    assert "三年行动计划" in _indexed_text(out, ARCHIVE_2001)  # indexed again, whole
    assert "五年行动计划" in _indexed_text(out)


def test_a_kept_page_replaced_while_the_build_ran_is_never_published(tmp_path):
    """A page is checked when it is looked up and linked later; another build may replace or
    remove the file in between: the link is checked again, and a changed file is a message."""
    from gazette_build import reused

    folder = tmp_path / "public"
    folder.mkdir()
    page = folder / "index.html"
    page.write_bytes(b"<p>old</p>")
    stat = page.stat()
    kept = reused.InOutput(str(page), hashlib.sha256(b"<p>old</p>").digest(), stat.st_size,
                           stat.st_mtime_ns, stat.st_ino)
    spare = folder / "spare"
    spare.write_bytes(b"<p>new</p>")  # same size and time, another inode
    os.utime(spare, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    spare.replace(page)
    target = tmp_path / "staged.html"
    with pytest.raises(reused.ChangedOutput, match="changed while the build ran; run it again"):
        reused.place(kept, str(target), str(folder))
    assert not target.exists()
    page.unlink()
    with pytest.raises(reused.ChangedOutput, match="was removed while the build ran"):
        reused.place(kept, str(target), str(folder))


def test_a_saved_shard_leaves_no_copy_of_the_texts_in_memory_and_reads_them_back_shared(
        tmp_path):
    """Pickling a str made CPython keep its UTF-8 form inside it for good: saving the memo of
    15,000 documents held every body and page twice (+480 MiB). The shard writes long texts
    apart, encoded into bytes it drops, and reads a text used twice back as one object."""
    from gazette_build import memoshard

    body = "各县（市、区）人民政府，市人民政府各委、办、局：" * 40
    odd = "乙" * 300 + "\ud800"  # a lone surrogate (the build refuses it; the shard keeps it)
    listing = Markup("<li>晋中市人民政府关于印发的通知</li>" * 20)  # a page's list, kept as Markup
    entries = {"documents": {("converted", body): (body, "短"), ("loaded",): body, odd: odd},
               "pages": {("index-list", 1): listing, ("data", 2): [{"json": body}]}}
    size, listing_size = sys.getsizeof(body), sys.getsizeof(listing)
    memoshard.write(tmp_path, [entries])
    assert sys.getsizeof(body) == size  # no UTF-8 copy attached to the str
    assert sys.getsizeof(listing) == listing_size

    (shard,) = tmp_path.glob("*.memo")
    back = memoshard.read(shard)
    assert back == entries
    (key, (value, short)), = [(k, v) for k, v in back["documents"].items() if k[0] == "converted"]
    assert key[1] is value is back["documents"][("loaded",)]  # one object, as when saved
    assert type(back["pages"][("index-list", 1)]) is Markup
    assert back["pages"][("data", 2)][0]["json"] is value

    data = bytearray(shard.read_bytes())
    data[-20] ^= 1  # a byte of the pickles (after the texts)
    shard.write_bytes(bytes(data))
    assert memoshard.read(shard) is None


def test_a_stored_build_keeps_the_documents_texts_in_a_file_and_reads_them_back_whole(
        shipped_site, tmp_path):
    """At 15,000 documents the bodies and HTML held as strings were 300 MiB for the whole
    build. With the stored memo each is kept in a file from the moment it is made; what needs
    the words reads them back, and a shard carries them on to the next process."""
    from gazette_build import memoshard, texts

    cold = {doc.stem: doc for issue in build(shipped_site, write=False, with_pdf=False).site.issues
            for doc in issue.documents}
    for run in ("first", "again"):  # computed, then read back from the stored memo
        result = build(shipped_site, out=tmp_path / run, with_pdf=False, stored=True)
        for issue in result.site.issues:
            for doc in issue.documents:
                assert isinstance(doc.html, texts.Text)
                assert isinstance(doc.body_markdown, texts.Text)
                held = texts.held(doc)
                assert held.html == cold[doc.stem].html
                assert held.body_markdown == cold[doc.stem].body_markdown
                assert [p.html for p in held.parts] == [p.html for p in cold[doc.stem].parts]

    spill = texts.Spill(tmp_path / "spill")
    kept = spill.keep("附件：晋中市" * 100)
    memoshard.write(tmp_path / "shard", [{"pages": {"key": (kept, kept)}}])
    (shard,) = (tmp_path / "shard").glob("*.memo")
    first, second = memoshard.read(shard)["pages"]["key"]
    assert isinstance(first, texts.Text) and first is second
    assert first.read() == "附件：晋中市" * 100


def test_a_shard_written_in_groups_reads_back_as_one_memo_with_what_they_share_as_one(tmp_path):
    """Each group (an issue's results) is pickled with a memo of its own, so that saving the
    memo of 15,000 documents does not hold everything it wrote until the end; what several
    groups' keys share (the configuration, the layouts' signature) is written once."""
    from gazette_build import memoshard

    signature = ("layouts", ("base.html", "<!DOCTYPE html>" * 50))
    groups = [{"pages": {("document.html", signature, n): f"页{n}" * 300}} for n in range(3)]
    memoshard.write(tmp_path, groups, common=(signature,))
    (shard,) = tmp_path.glob("*.memo")
    pages = memoshard.read(shard)["pages"]
    assert {key[2]: value for key, value in pages.items()} == {n: f"页{n}" * 300 for n in range(3)}
    first, *others = [key[1] for key in pages]
    assert first == signature and all(other is first for other in others)
    assert shard.read_bytes().count(b"<!DOCTYPE html>" * 50) == 1


def test_reading_a_shard_leaves_no_garbage_for_the_collector(tmp_path):
    """A shard's reader must not end up in a cycle with its own pickle memo: the CLI freezes
    what the load leaves (gc.freeze), so a cycle there is memory held for good — the whole
    memo of every group (+11 MiB at 1,500 documents, found by tracemalloc)."""
    import gc

    from gazette_build import memoshard

    signature = ("layouts", ("base.html", "<!DOCTYPE html>" * 50))
    groups = [{"pages": {("document.html", signature, n): (f"页{n}" * 300,
                                                           Markup("<li>通知</li>" * 30))}}
              for n in range(3)]
    memoshard.write(tmp_path, groups, common=(signature,))
    (shard,) = tmp_path.glob("*.memo")
    gc.collect()
    gc.disable()
    try:
        back = memoshard.read(shard)
        assert len(back["pages"]) == 3
        assert gc.collect() == 0  # nothing unreachable but for the collector
    finally:
        gc.enable()


@pytest.mark.parametrize("linkable", [True, False])
def test_the_build_s_spill_becomes_the_shard_without_its_texts_written_again(tmp_path, linkable):
    """At 15,000 documents the texts are ~400 MB; writing them into the shard a second time
    was half of saving the memo. The spill starts with room for the shard's header and is
    linked into place as the shard (copied whole where the file system cannot link it): its
    texts read back, each still checked against its digest, and what the build keeps after
    the save goes to another file, never into the shard."""
    from gazette_build import memoshard, texts

    spill = texts.Spill(tmp_path / "cache", reserve=memoshard.HEADER)
    if linkable and not spill.linkable:
        pytest.skip("no unnamed files (O_TMPFILE) here")
    spill.linkable = linkable
    body = spill.keep("各县（市、区）人民政府，市人民政府各委、办、局：" * 100)
    listing = "<li>晋中市人民政府关于印发的通知</li>" * 20  # a long str: written at the save
    spill_file = body.file.descriptor
    memoshard.write(tmp_path / "memo", [{"documents": {("converted", 1): (body, listing)}}],
                    spill=spill)
    (shard,) = (tmp_path / "memo").glob("*.memo")
    assert (os.stat(shard).st_ino == os.fstat(spill_file).st_ino) is linkable

    later = spill.keep("附件：晋中市" * 100)  # after the save: not into the shard
    assert later.file is not body.file and later.read() == "附件：晋中市" * 100
    size = shard.stat().st_size
    back, back_listing = memoshard.read(shard)["documents"][("converted", 1)]
    assert isinstance(back, texts.Text) and back.read() == body.read()
    assert back.offset == body.offset  # where the build wrote it: not written a second time
    assert back_listing == listing and shard.stat().st_size == size

    data = bytearray(shard.read_bytes())
    data[back.offset] ^= 1  # the kept text's first byte, in the build's own spill until now
    shard.write_bytes(bytes(data))
    (again, _), = memoshard.read(shard)["documents"].values()
    with pytest.raises(texts.DamagedText):
        again.read()


def test_a_file_system_without_record_locks_keeps_the_texts_in_memory(shipped_site, tmp_path,
                                                                       monkeypatch):
    """The spill is appended to under a record lock (workers write into it too); where the file
    system has none (NFS without its lock daemon answers ENOLCK), the build keeps the texts in
    memory, as where the site folder cannot be written to, and builds the same site."""
    import errno
    import fcntl

    from gazette_build import memostore
    from gazette_build.errors import Report

    def no_locks(descriptor, command, *rest):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "lockf", no_locks)
    assert memostore.load(shipped_site, Report(shipped_site)).memo.spill is None
    result = build(shipped_site, out=tmp_path / "out", with_pdf=False, stored=True)
    assert all(isinstance(doc.html, str) for issue in result.site.issues
               for doc in issue.documents)
    assert _files(tmp_path / "out") == _cold(shipped_site, tmp_path / "cold")

def test_texts_a_worker_places_beside_this_process_land_apart_and_go_into_the_shard(tmp_path):
    """A conversion worker writes the texts it makes into the build's spill itself and sends
    back only where they are (texts.Spill.place; through the pool's pipe the HTML kept it
    waiting). Two processes appending at once, under the lock on the file, never write over
    each other, and what the worker placed is kept in the memo's shard, checked against its
    digest, like this process's own texts."""
    import pickle

    from gazette_build import memoshard, texts

    spill = texts.Spill(tmp_path / "cache", reserve=memoshard.HEADER)
    go_read, go_write = os.pipe()
    back_read, back_write = os.pipe()
    worker = os.fork()
    if worker == 0:  # the forked worker: the spill's file is open in it too
        try:
            os.read(go_read, 1)
            placed = [spill.place(f"工作进程第{n}段".encode() * (20 + n % 50)) for n in range(2000)]
            with os.fdopen(back_write, "wb") as stream:
                stream.write(pickle.dumps(placed))
        finally:
            os._exit(0)
    os.close(back_write)
    os.write(go_write, b"!")  # both start appending now
    mine = [spill.keep(f"本进程第{n}段" * (20 + n % 50)) for n in range(2000)]
    with os.fdopen(back_read, "rb") as stream:
        theirs = [spill.adopt(placed) for placed in pickle.loads(stream.read())]
    os.waitpid(worker, 0)
    assert [text.read() for text in mine] == [f"本进程第{n}段" * (20 + n % 50) for n in range(2000)]
    assert [text.read() for text in theirs] == [f"工作进程第{n}段" * (20 + n % 50)
                                                for n in range(2000)]

    memoshard.write(tmp_path / "memo", [{"documents": {"mine": tuple(mine),
                                                       "theirs": tuple(theirs)}}], spill=spill)
    (shard,) = (tmp_path / "memo").glob("*.memo")
    stored = memoshard.read(shard)["documents"]
    assert [text.sha256 for text in stored["theirs"]] == [
        hashlib.sha256(f"工作进程第{n}段".encode() * (20 + n % 50)).digest() for n in range(2000)]
    assert stored["theirs"][-1].read() == f"工作进程第{1999}段" * (20 + 1999 % 50)
    assert stored["mine"][0].read() == "本进程第0段" * 20
