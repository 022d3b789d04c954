"""Document pages rendered as their documents are converted (earlypages.py): byte for byte the
pages the page stage renders, links included, and never taken when what they show has changed."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from conftest import run_cli
from gazette_build import earlypages, render, site as site_stage
from gazette_build.errors import Report
from gazette_build.model import Links


def _archive_with_a_correction(folder: Path) -> Path:
    """72 documents (enough to be shared between two processes); one of issue 5 corrects one
    of issue 1, so that both pages carry links that only the whole archive knows."""
    from tools.make_archive import make_archive

    site = make_archive(folder, 12)
    correction = next((site / "content/2001/05").glob("*.md"))
    text = correction.read_text(encoding="utf-8")
    correction.write_text(text.replace("\n---\n", "\ncorrects: 市政办发〔2001〕3号\n---\n", 1),
                          encoding="utf-8")
    return site


def test_early_pages_are_the_pages_the_page_stage_renders(tmp_path, monkeypatch):
    site = _archive_with_a_correction(tmp_path / "site")
    taken = []
    take = earlypages.EarlyPages.take
    monkeypatch.setattr(earlypages.EarlyPages, "take",
                        lambda self, doc, inputs: taken.append(take(self, doc, inputs)) or
                        taken[-1])
    out = tmp_path / "out"
    result = run_cli("--site", str(site), "build", "--no-pdf", "--no-search", "--jobs", "2",
                     "--out", str(out))
    assert result.code == 0, result.err
    assert len(taken) == 72 and None not in taken  # every document page was rendered early

    # the same pages rendered by the page stage alone, in memory
    loaded = site_stage.load_site(site, Report(site))
    pages = render.render_pages(loaded, render.make_env(loaded.config), {})
    documents = [doc for issue in loaded.issues for doc in issue.documents]
    assert len(documents) == 72
    for doc in documents:
        path = f"{doc.url}index.html"
        assert (out / path).read_bytes() == pages[path], path
    corrected = next(doc for doc in documents if doc.number == "市政办发〔2001〕3号")
    correction = next(doc for doc in documents if doc.relations)
    # the corrected document's page links to its 勘误, in a later issue
    assert correction.url in (out / corrected.url / "index.html").read_text(encoding="utf-8")


def test_an_early_page_is_not_taken_when_what_it_shows_has_changed(tmp_path):
    site = _archive_with_a_correction(tmp_path / "site")
    loaded = site_stage.load_site(site, Report(site))
    early = earlypages.EarlyPages(render.make_env(loaded.config), lambda path, data: data)
    issue = loaded.issues[-1]  # 2001年第1期
    doc, previous, next_ = next(entry for entry in render.with_neighbours(issue.documents)
                                if entry[0].number == "市政办发〔2001〕3号")

    def render_early() -> None:
        early.plan(loaded, {doc.url})
        early.keep(doc, early.render(doc))

    assert doc.links.corrected_by  # the page shows its 勘误
    inputs = (loaded.config, loaded.years, render.IssueHeader.of(issue), previous, next_)
    changes = {
        "a neighbour's title": (doc, inputs[:3] + (render.Neighbour("另一个标题", "x/"), next_)),
        "the configuration": (doc, (replace(loaded.config, title="另一个公报"),) + inputs[1:]),
        "the links": (replace(doc, links=Links()), inputs),
    }
    for what, (now, now_inputs) in changes.items():
        render_early()
        assert early.take(now, now_inputs) is None, what
    render_early()
    page = early.take(doc, inputs)
    assert page is not None and doc.links.corrected_by[0].url.encode() in page
    assert early.take(doc, inputs) is None  # taken once


def test_a_layout_error_on_document_pages_is_reported_with_its_line(tmp_path):
    site = _archive_with_a_correction(tmp_path / "site")
    layout = site / "layouts/document.html"
    lines = layout.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[3].startswith("{% block main %}")
    lines.insert(4, "{{ no_such_value }}\n")
    layout.write_text("".join(lines), encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("--site", str(site), "build", "--no-pdf", "--no-search", "--jobs", "2",
                     "--out", str(out))
    assert result.code == 1
    assert "layouts/document.html:5: template: 'no_such_value' is undefined" in result.err, \
        result.err
    assert not out.exists() and not list(tmp_path.glob(".out.staging-*"))
