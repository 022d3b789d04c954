"""The static data layer read as a reuser reads it: documents.json, issue.json and <stem>.json
checked against the JSON Schema shipped in docs/, their values against the Markdown sources,
and each table's CSV against the table in the source."""
from __future__ import annotations

import csv
import io
import json
import re

import jsonschema
import pytest

from conftest import REPO
from test_web_edition import ISSUE_DIR, _front_matters, page_links

SCHEMA = json.loads((REPO / "docs/data.schema.json").read_text(encoding="utf-8"))
BASE = "https://www.sxjz.gov.cn/gongbao/"


def validate(value: dict, definition: str) -> None:
    """Validate against one definition of the schema (a document record, an issue…)."""
    jsonschema.validate(value, {"$defs": SCHEMA["$defs"], "$ref": f"#/$defs/{definition}"},
                        format_checker=jsonschema.FormatChecker())


def load(out, path: str) -> dict:
    return json.loads((out / path).read_text(encoding="utf-8"))


def local(out, url: str):
    """The built file a published URL names."""
    assert url.startswith(BASE), url
    path = url[len(BASE):].split("#")[0]
    return out / (path + "index.html" if path.endswith("/") or not path else path)


def test_the_schema_itself_is_valid_and_accepts_every_file(web_edition):
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    files = [web_edition / "documents.json", *web_edition.glob("*/*/issue.json"),
             *web_edition.glob("*/*/*/*.json")]
    assert len(files) == 1 + 1 + 6
    for path in files:
        jsonschema.validate(json.loads(path.read_text(encoding="utf-8")), SCHEMA,
                            format_checker=jsonschema.FormatChecker())


def test_the_schema_rejects_what_a_reuser_could_not_use(web_edition):
    record = load(web_edition, "documents.json")["documents"][0]
    for broken in ({**record, "number": "市政发[2024]1号"}, {**record, "date": "2024-1-25"},
                   {k: v for k, v in record.items() if k != "issuer"},
                   {**record, "url": "2024/01/x/"}, {**record, "surprise": 1}):
        with pytest.raises(jsonschema.ValidationError):
            validate(broken, "document")


def test_every_front_matter_field_is_in_the_document_json(web_edition):
    everything = load(web_edition, "documents.json")
    assert everything["gazette"] == "晋中市人民政府公报" and everything["url"] == BASE
    by_stem = {record["stem"]: record for record in everything["documents"]}
    for stem, front in _front_matters():
        record = load(web_edition, f"2024/01/{stem}/{stem}.json")
        assert record == by_stem[stem]
        for field in ("title", "number", "issuer", "disclosure"):
            assert record[field] == front.get(field)
        assert record["date"] == front["date"].isoformat()
        assert record["notes"] == front.get("notes", [])
        assert record["issue"] == {"year": 2024, "number": 1, "total": 25, "date": "2024-03-05",
                                   "label": "2024年第1期", "url": BASE + "2024/01/"}
        assert local(web_edition, record["url"]).is_file()
        assert local(web_edition, record["json"]).is_file()
        assert record["printed"] is None and record["pdf"] is None  # built without PDFs


def test_issue_json_lists_the_documents_in_toc_order(web_edition):
    issue = load(web_edition, "2024/01/issue.json")
    stems = [stem for stem, _ in _front_matters()]
    assert [doc["stem"] for doc in issue["documents"]] == stems
    assert [s["name"] for s in issue["sections"]] == ["市政府文件", "市政府办公室文件"]
    assert sum(len(s["documents"]) for s in issue["sections"]) == 6
    assert (issue["year"], issue["number"], issue["total"]) == (2024, 1, 25)


def _markdown_tables(text: str) -> list[list[list[str]]]:
    """The GFM pipe tables of a Markdown file, cells as written (delimiter rows dropped)."""
    tables, current = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                current.append(cells)
        elif current:
            tables.append(current)
            current = []
    return tables


def test_each_table_is_a_csv_linked_under_it(web_edition):
    seen = 0
    for stem, _ in _front_matters():
        source = (ISSUE_DIR / f"{stem}.md").read_text(encoding="utf-8")
        expected = _markdown_tables(source)
        record = load(web_edition, f"2024/01/{stem}/{stem}.json")
        assert len(record["tables"]) == len(expected)
        page = web_edition / f"2024/01/{stem}/index.html"
        html = page.read_text(encoding="utf-8")
        for index, (url, rows) in enumerate(zip(record["tables"], expected), 1):
            name = f"{stem}-table-{index}.csv"
            assert url == f"{BASE}2024/01/{stem}/{name}"
            data = local(web_edition, url).read_bytes()
            assert data.startswith("\ufeff".encode())  # spreadsheets read it as UTF-8
            read = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
            assert read == [[re.sub(r"\*\*|\\", "", c) for c in row] for row in rows]
            assert name in page_links(page)
            # the link comes right after its table
            table_end = [m.end() for m in re.finditer(r"</table>", html)]
            link_at = html.index(f'href="{name}"')
            assert any(0 < link_at - end < 80 for end in table_end)
            seen += 1
    assert seen == 2  # the charging-pile table and the 河湖长制 task table
