"""The output folder is replaced whole by each build, so it must never be one that holds
anything else: the site's sources, the site folder itself, or a folder of other files."""
from __future__ import annotations

import os

import pytest

from conftest import run_cli


@pytest.mark.parametrize("output", ["content", ".", "layouts/out", "site.yaml", "..",
                                    ".gazette-cache", ".gazette-cache/site", ".gazette-preview"])
def test_an_output_folder_among_the_sources_is_refused(minimal_site, output):
    config = minimal_site / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + f"output: {output}\n", encoding="utf-8")
    before = sorted(p.relative_to(minimal_site) for p in minimal_site.rglob("*"))
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf")
    assert result.code == 1
    line = len(config.read_text(encoding="utf-8").splitlines())
    assert result.lines[0].startswith(f"site.yaml:{line}: output: {(minimal_site / output).resolve()} ")
    assert sorted(p.relative_to(minimal_site) for p in minimal_site.rglob("*")) == before


def test_a_folder_of_other_files_is_not_replaced(minimal_site, tmp_path):
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "letter.txt").write_text("keep me", encoding="utf-8")
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(documents))
    assert result.code == 1
    assert result.lines[0] == (f"{documents}:1: output: {documents} holds files that gazette did "
                               "not write; empty it or choose another folder (it would be "
                               "replaced whole)")
    assert (documents / "letter.txt").read_text(encoding="utf-8") == "keep me"


def test_a_linked_output_folder_stays_a_link_and_is_updated(minimal_site, tmp_path):
    webroot = tmp_path / "webroot"
    webroot.mkdir()
    os.symlink(webroot, minimal_site / "public")
    for _ in range(2):
        assert run_cli("--site", str(minimal_site), "build", "--no-pdf").code == 0
    assert (minimal_site / "public").is_symlink()
    assert (webroot / "2024/01/first/index.html").exists()
    assert not [p for p in minimal_site.iterdir() if p.name.startswith(".public")]


def test_an_asset_linked_from_outside_is_not_published(minimal_site, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("secret", encoding="utf-8")
    os.symlink(secret, minimal_site / "assets/leak.css")
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(tmp_path / "o"))
    assert result.code == 0
    assert (f"warning: assets/leak.css:1: assets: is a link to {secret}, outside the site "
            "folder; it is not published") in result.lines
    assert not (tmp_path / "o/assets/leak.css").exists()


def test_a_write_error_is_a_message_not_a_traceback(minimal_site, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out",
                     str(blocker / "public"))
    assert result.code == 1
    assert "Traceback" not in result.err and result.lines[-1].startswith("gazette: ")


@pytest.mark.parametrize("name", ["../evil.html", "/etc/evil.html", "a/../../evil.html", ""])
def test_an_output_path_that_leaves_the_folder_is_refused_and_nothing_is_written(tmp_path, name):
    from gazette_build import writer

    out = tmp_path / "site" / "public"
    with pytest.raises(ValueError, match="refusing to write outside the output folder"):
        writer.write_site({"index.html": b"ok", name: b"evil"}, out)
    assert not out.exists()
    assert not (tmp_path / "site" / "evil.html").exists()


def test_the_root_folder_as_output_is_refused_before_anything_starts(minimal_site):
    """`--out /` is refused with its reason, before the search indexer starts (whose folder
    goes beside the output, and the root has no beside: a traceback before)."""
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", "/")
    assert result.code == 1
    assert result.lines[0] == ("/:1: output: / is the site folder or contains it; choose a "
                               "folder of its own, e.g. public")
    assert "Traceback" not in result.err


def test_an_output_path_in_a_loop_of_links_is_a_usage_error_not_a_traceback(minimal_site,
                                                                            tmp_path):
    (tmp_path / "l2").symlink_to(tmp_path / "l1")
    (tmp_path / "l1").symlink_to(tmp_path / "l2")
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out",
                     str(tmp_path / "l1"))
    assert result.code == 2 and "Traceback" not in result.err
    # the reason in Python's words: "Symlink loop from …" (3.11, 3.12), ELOOP's after
    assert len(result.lines) == 1
    assert result.lines[0].startswith(f"gazette: --out {tmp_path / 'l1'}: not a usable folder (")
