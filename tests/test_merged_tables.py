"""The ```table block: merged cells on the web page, and a merge mark with nothing to merge
with reported on its line."""
from __future__ import annotations

from conftest import run_cli

TABLE = """
单位：次

```table
| 县（区、市） | 巡查 | <    | 合计 |
| ^            | 人数 | 次数 | ^    |
|---|---|---|---|
| ^            | 10   | 20   | 30   |
| 太谷区       | \\<5  | \\^  | a \\| b |
```
"""


def test_merged_cells_render_and_a_stray_mark_is_reported(minimal_site, tmp_path):
    doc = minimal_site / "content/2024/01/first.md"
    text = doc.read_text(encoding="utf-8")
    doc.write_text(text + TABLE, encoding="utf-8")
    fence_line = len((text + TABLE).split("```table")[0].splitlines()) + 1
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out",
                     str(tmp_path / "public"))
    assert result.code == 0, result.err
    assert (f"warning: content/2024/01/first.md:{fence_line + 4}: body: table cell '^' (row 3, "
            "column 1) has no cell above it in the same part of the table to merge with; shown "
            "as text") in result.lines
    html = (tmp_path / "public/2024/01/first/index.html").read_text(encoding="utf-8")
    assert '<th scope="col" rowspan="2">县（区、市）</th>' in html
    assert '<th scope="colgroup" colspan="2">巡查</th>' in html
    assert "<td>^</td>\n<td>10</td>" in html  # a rowspan never crosses from thead into tbody
    assert "<td>&lt;5</td>\n<td>^</td>\n<td>a | b</td>" in html  # escaped marks and bars
