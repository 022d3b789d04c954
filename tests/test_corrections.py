"""勘误 and 有效性 as a reader sees them: the corrected document links to its correction and back,
a repealed or amended document carries a banner naming what repealed or amended it, and every
reference is checked against the archive."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SITES, copy_site, run_cli
from test_web_edition import page_links, page_text, squeeze

CORRECTION = """---
title: 关于《晋中市人民政府办公室关于测试乙的通知》的勘误
number: 市政办发〔2024〕9号
date: 2024-04-02
issuer: 晋中市人民政府办公室
corrects: 市政办发〔2024〕2号
---

各县（区、市）人民政府：

原文第二段“方案”应为“实施方案”。
"""
REPEAL = """---
title: 晋中市人民政府关于废止测试甲的决定
number: 市政发〔2024〕8号
date: 2024-04-01
issuer: 晋中市人民政府
---

各县（区、市）人民政府：

决定废止《晋中市人民政府关于测试甲的通知》。
"""


def _second_issue(site: Path, documents: dict[str, str]) -> Path:
    folder = site / "content/2024/02"
    folder.mkdir()
    (folder / "issue.yaml").write_text("year: 2024\nnumber: 2\ntotal: 26\ndate: 2024-04-10\n",
                                       encoding="utf-8")
    for stem, text in documents.items():
        (folder / f"{stem}.md").write_text(text, encoding="utf-8")
    return folder


def _set_front_matter(path: Path, lines: str) -> None:
    """Add front-matter lines just before the closing ---."""
    text = path.read_text(encoding="utf-8")
    head, rest = text.split("\n---\n", 1)
    path.write_text(f"{head}\n{lines}---\n{rest}", encoding="utf-8")


@pytest.fixture(scope="module")
def linked(tmp_path_factory) -> Path:
    """The minimal site with a second issue holding a 勘误 of 市政办发〔2024〕2号 and the
    decision that repeals 市政发〔2024〕1号; returns the output folder."""
    base = tmp_path_factory.mktemp("linked")
    site = copy_site(SITES / "minimal", base / "site")
    _second_issue(site, {"kanwu": CORRECTION, "repeal": REPEAL})
    _set_front_matter(site / "content/2024/01/first.md",
                      "status: 已废止\nrepealed_by: 市政发〔2024〕8号\n")
    out = base / "public"
    result = run_cli("--site", str(site), "build", "--no-pdf", "--out", str(out))
    assert result.code == 0, result.err
    assert "warning" not in result.err
    return out


def test_corrected_document_links_to_its_correction_and_back(linked):
    corrected = linked / "2024/01/second/index.html"
    text = squeeze(page_text(corrected))
    assert ("勘误：本文件的更正见《关于《晋中市人民政府办公室关于测试乙的通知》的勘误》"
            "（市政办发〔2024〕9号，2024年第2期）。") in text
    assert "../../../2024/02/kanwu/index.html" in page_links(corrected)
    correction = linked / "2024/02/kanwu/index.html"
    text = squeeze(page_text(correction))
    assert "勘误：本文更正《晋中市人民政府办公室关于测试乙的通知》（市政办发〔2024〕2号，2024年第1期）。" in text
    assert "../../../2024/01/second/index.html" in page_links(correction)


def test_repealed_document_shows_a_banner_and_its_status(linked):
    repealed = linked / "2024/01/first/index.html"
    text = squeeze(page_text(repealed))
    assert "本文件已废止：由《晋中市人民政府关于废止测试甲的决定》（市政发〔2024〕8号，2024年第2期）废止。" in text
    assert "有效性已废止" in text
    assert "../../../2024/02/repeal/index.html" in page_links(repealed)
    repealing = squeeze(page_text(linked / "2024/02/repeal/index.html"))
    assert "本文件废止了《晋中市人民政府关于测试甲的通知》（市政发〔2024〕1号，2024年第1期）。" in repealing


def test_a_document_without_relations_has_no_notice(linked):
    html = (linked / "2024/02/kanwu/index.html").read_text(encoding="utf-8")
    assert "validity-banner" not in html and "有效性" not in html
    html = (linked / "2024/02/repeal/index.html").read_text(encoding="utf-8")
    assert "correction-notice" not in html and "validity-banner" not in html


def test_a_number_not_in_the_archive_is_a_warning_and_shown_without_link(minimal_site, tmp_path):
    _set_front_matter(minimal_site / "content/2024/01/first.md",
                      "status: 已修改\namended_by:\n  - 市政发〔2024〕30号\n")
    out = tmp_path / "out"
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(out))
    assert result.code == 0, result.err
    assert ("warning: content/2024/01/first.md:9: amended_by: 市政发〔2024〕30号 is not in the "
            "archive; it is shown without a link") in result.lines
    assert "本文件已修改：见市政发〔2024〕30号。" in squeeze(page_text(out / "2024/01/first/index.html"))


def test_a_correction_in_the_same_issue_is_an_error(minimal_site):
    _set_front_matter(minimal_site / "content/2024/01/second.md", "corrects: 市政发〔2024〕1号\n")
    result = run_cli("--site", str(minimal_site), "check")
    assert result.code == 1
    assert ("content/2024/01/second.md:6: corrects: a 勘误 must be published in a later issue "
            "than what it corrects; 市政发〔2024〕1号 is in 2024年第1期, this document in "
            "2024年第1期") in result.lines


def test_an_unknown_status_is_an_error(minimal_site):
    _set_front_matter(minimal_site / "content/2024/01/first.md", "status: 作废\n")
    result = run_cli("--site", str(minimal_site), "check")
    assert result.code == 1
    assert ("content/2024/01/first.md:7: status: '作废' is not a 有效性; write one of "
            "现行有效、已修改、已废止、已失效、部分有效") in result.lines


def test_a_status_contradicting_its_relation_is_a_warning(minimal_site):
    _set_front_matter(minimal_site / "content/2024/01/second.md",
                      "repealed_by: 市政发〔2024〕1号\n")
    result = run_cli("--site", str(minimal_site), "check")
    assert result.code == 0, result.err
    assert ("warning: content/2024/01/second.md:6: repealed_by: the document names a document "
            "that repealed it, but its status is not given; write status: 已废止") in result.lines


def test_a_correction_of_an_issue_page_links_to_the_issue_and_back(minimal_site, tmp_path):
    _second_issue(minimal_site, {"kanwu": CORRECTION.replace(
        "corrects: 市政办发〔2024〕2号", "corrects: 2024年第1期第4页")})
    out = tmp_path / "out"
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(out))
    assert result.code == 0, result.err
    correction = out / "2024/02/kanwu/index.html"
    assert "勘误：本文更正2024年第1期第4页。" in squeeze(page_text(correction))
    assert "../../../2024/01/index.html" in page_links(correction)
    issue = out / "2024/01/index.html"
    assert ("勘误：本期的更正见《关于《晋中市人民政府办公室关于测试乙的通知》的勘误》"
            "（市政办发〔2024〕9号，2024年第2期）。") in squeeze(page_text(issue))
    assert "../../2024/02/kanwu/index.html" in page_links(issue)


def test_a_correction_of_a_page_of_a_missing_issue_is_a_warning(minimal_site):
    _second_issue(minimal_site, {"kanwu": CORRECTION.replace(
        "corrects: 市政办发〔2024〕2号", "corrects: 2023年第9期第4页")})
    result = run_cli("--site", str(minimal_site), "check")
    assert result.code == 0, result.err
    assert ("warning: content/2024/02/kanwu.md:6: corrects: 2023年第9期 is not in the archive; "
            "it is shown without a link") in result.lines


def test_a_page_or_issue_number_of_thousands_of_digits_is_no_page_reference(minimal_site):
    """Read as ints, 5,000 digits passed Python's limit: a traceback from `check` and `build`."""
    for corrects in [f"2024年第1期第{'7' * 5000}页", f"2024年第{'1' * 5000}期第7页"]:
        _second_issue(minimal_site, {"kanwu": CORRECTION.replace(
            "corrects: 市政办发〔2024〕2号", f"corrects: {corrects}")})
        result = run_cli("--site", str(minimal_site), "check")
        assert result.code == 0 and "Traceback" not in result.err, result.err
        assert f"warning: content/2024/02/kanwu.md:6: corrects: {corrects} is not in the " \
               "archive; it is shown without a link" in result.lines
        (minimal_site / "content/2024/02/kanwu.md").unlink()
        (minimal_site / "content/2024/02/issue.yaml").unlink()
        (minimal_site / "content/2024/02").rmdir()


def test_the_json_data_carries_the_links_both_ways(linked):
    import json

    import jsonschema

    from conftest import REPO

    schema = json.loads((REPO / "docs/data.schema.json").read_text(encoding="utf-8"))
    corrected = json.loads((linked / "2024/01/second/second.json").read_text(encoding="utf-8"))
    correction = json.loads((linked / "2024/02/kanwu/kanwu.json").read_text(encoding="utf-8"))
    repealed = json.loads((linked / "2024/01/first/first.json").read_text(encoding="utf-8"))
    for record in (corrected, correction, repealed):
        jsonschema.validate(record, schema)
    [by] = corrected["relations"]["corrected_by"]
    assert (by["number"], by["issue"]) == ("市政办发〔2024〕9号", "2024年第2期")
    assert by["url"].endswith("/2024/02/kanwu/")
    assert correction["relations"]["corrects"]["url"].endswith("/2024/01/second/")
    assert repealed["validity"] == "已废止"
    assert repealed["relations"]["repealed_by"]["number"] == "市政发〔2024〕8号"
