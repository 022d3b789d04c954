"""Documents' pages and data files made as the documents are converted (earlyfiles.py): byte for
byte what the page and data stages make, links included, and never taken when what they show
has changed."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from conftest import run_cli
from gazette_build import data, earlyfiles, render, site as site_stage
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


def test_early_files_are_the_files_the_page_and_data_stages_make(tmp_path, monkeypatch):
    site = _archive_with_a_correction(tmp_path / "site")
    taken, taken_data, taken_issues = [], [], []
    take_page, take_data = earlyfiles.EarlyFiles.take_page, earlyfiles.EarlyFiles.take_data
    take_issue_page = earlyfiles.EarlyFiles.take_issue_page
    monkeypatch.setattr(earlyfiles.EarlyFiles, "take_issue_page",
                        lambda self, *args: taken_issues.append(take_issue_page(self, *args))
                        or taken_issues[-1])
    monkeypatch.setattr(earlyfiles.EarlyFiles, "take_page",
                        lambda self, doc, inputs: taken.append(take_page(self, doc, inputs)) or
                        taken[-1])
    monkeypatch.setattr(earlyfiles.EarlyFiles, "take_data",
                        lambda self, *args: taken_data.append(take_data(self, *args)) or
                        taken_data[-1])
    out = tmp_path / "out"
    result = run_cli("--site", str(site), "build", "--no-pdf", "--no-search", "--jobs", "2",
                     "--out", str(out))
    assert result.code == 0, result.err
    assert len(taken) == 72 and None not in taken  # every document page was rendered early
    assert len(taken_data) == 72 and None not in taken_data  # and every record and CSV
    assert len(taken_issues) == 12 and None not in taken_issues  # and every issue's page,
    # those whose documents link to each other's included

    # the same pages and data files made by the page and data stages alone, in memory
    loaded = site_stage.load_site(site, Report(site))
    pages = render.render_pages(loaded, render.make_env(loaded.config), {})
    files = data.data_files(loaded, {})
    documents = [doc for issue in loaded.issues for doc in issue.documents]
    assert len(documents) == 72
    for path in [f"{doc.url}index.html" for doc in documents] + \
            [f"{issue.url}index.html" for issue in loaded.issues]:
        assert (out / path).read_bytes() == pages[path], path
    document_files = [path for path in files if path.count("/") == 3]  # the documents' own
    assert sum(path.endswith(".csv") for path in document_files) >= 12  # tables: csv, in
    assert sum(path.endswith(".json") for path in document_files) == 72  # documents.json
    for path, made in files.items():
        assert (out / path).read_bytes() == made, path
    corrected = next(doc for doc in documents if doc.number == "市政办发〔2001〕3号")
    correction = next(doc for doc in documents if doc.relations)
    # the corrected document's page links to its 勘误, in a later issue
    assert correction.url in (out / corrected.url / "index.html").read_text(encoding="utf-8")


def test_early_files_are_not_taken_when_what_they_show_has_changed(tmp_path):
    site = _archive_with_a_correction(tmp_path / "site")
    loaded = site_stage.load_site(site, Report(site))
    early = earlyfiles.EarlyFiles(render.make_env(loaded.config), lambda path, data: data)
    issue = loaded.issues[-1]  # 2001年第1期
    doc, previous, next_ = next(entry for entry in render.with_neighbours(issue.documents)
                                if entry[0].number == "市政办发〔2001〕3号")

    def render_early() -> None:
        early.plan(loaded, {doc.url})
        early.keep(doc, early.make(doc))

    assert doc.links.corrected_by  # the page shows its 勘误
    inputs = (loaded.config, loaded.years, render.IssueHeader.of(issue), previous, next_)
    changes = {
        "a neighbour's title": (doc, inputs[:3] + (render.Neighbour("另一个标题", "x/"), next_)),
        "the configuration": (doc, (replace(loaded.config, title="另一个公报"),) + inputs[1:]),
        "the links": (replace(doc, links=Links()), inputs),
    }
    for what, (now, now_inputs) in changes.items():
        render_early()
        assert early.take_page(now, now_inputs) is None, what
        assert early.take_data(now, now_inputs[0], now_inputs[2]) is None or \
            what == "a neighbour's title", what  # a record does not show the neighbours
    render_early()
    page = early.take_page(doc, inputs)
    assert page is not None and doc.links.corrected_by[0].url.encode() in page
    assert early.take_page(doc, inputs) is None  # taken once
    record, _ = early.take_data(doc, loaded.config, inputs[2])
    assert record == data.record_file(data.document_files(loaded.config, issue, doc, None)[0])
    assert '"corrected_by":[{"number":"市政办发〔2001〕'.encode() in record
    assert early.take_data(doc, loaded.config, inputs[2]) is None  # taken once
    render_early()
    later = replace(inputs[2], number=2)  # the issue renumbered: its record says so
    assert early.take_data(doc, loaded.config, later) is None


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


def test_an_early_issue_page_is_not_taken_when_the_issue_has_changed(tmp_path):
    """An issue's page is rendered as soon as its documents are converted, from the issue as
    the archive links it; the page stage takes it only for that very issue."""
    site = _archive_with_a_correction(tmp_path / "site")
    loaded = site_stage.load_site(site, Report(site))
    early = earlyfiles.EarlyFiles(render.make_env(loaded.config), lambda path, data: data)
    issue = loaded.issues[-1]  # 2001年第1期, whose document is corrected in issue 5
    config, years = loaded.config, loaded.years

    def render_early() -> None:
        early.plan(loaded, {doc.url for doc in issue.documents})
        for doc in issue.documents:
            early.kept(replace(doc, links=Links()))  # as converted: not linked yet

    changes = {
        "a document's title": replace(issue, sections=(replace(issue.sections[0], documents=(
            replace(issue.documents[0], title="另一个标题"), *issue.sections[0].documents[1:])),
            *issue.sections[1:])),
        "its 勘误": replace(issue, sections=tuple(replace(section, documents=tuple(
            replace(doc, links=Links()) for doc in section.documents))
            for section in issue.sections)),
    }
    for what, now in changes.items():
        render_early()
        assert early.take_issue_page(now, config, years) is None, what
    render_early()
    assert early.take_issue_page(issue, replace(config, title="另一个公报"), years) is None
    render_early()
    page = early.take_issue_page(issue, config, years)
    _, context, derived = render.issue_page(config, issue, None)
    assert page == render.render_with(render.make_env(config).get_template("issue.html"), config,
                                      years, render.year_menu(render.make_env(config), config,
                                                              years), context,
                                      derived()).encode("utf-8")
    assert early.take_issue_page(issue, config, years) is None  # taken once
