"""Tables too wide for the type area (printed/overflow.py): set tighter so that they fit, and
named by file and line when even that cannot hold them — never cut at the page's edge unsaid."""
from __future__ import annotations

import re

import pdfplumber

from conftest import run_cli

MM = 72 / 25.4
# A4 less print.css's margins (28 mm binding side, 26 mm outer side, mirrored), in points
TYPE_AREA = (26 * MM, (210 - 26) * MM)


def _with_table(site, columns: int, heading: str, value) -> int:
    """Append a table to first.md: a 序号 column and `columns` more headed `heading` (with
    the column's number) holding `value(row, column)`; the line of its header row."""
    path = site / "content/2024/01/first.md"
    text = path.read_text(encoding="utf-8").rstrip("\n") + "\n\n"
    line = text.count("\n") + 1
    head = "| 序号 | " + " | ".join(heading.format(c) for c in range(1, columns + 1)) + " |"
    rule = "|" + "---|" * (columns + 1)
    rows = ["| " + " | ".join([str(r)] + [value(r, c) for c in range(1, columns + 1)]) + " |"
            for r in range(1, 6)]
    path.write_text(text + "\n".join([head, rule, *rows]) + "\n", encoding="utf-8")
    return line


def _built(site, tmp_path):
    out = tmp_path / "public"
    result = run_cli("--site", str(site), "build", "--no-search", "--jobs", "1", "--out", str(out))
    assert result.code == 0, result.err
    return result, out / "2024/01/first/first.pdf"


def test_a_table_with_long_headings_is_set_tighter_and_fits(minimal_site, tmp_path):
    """Eight columns headed "2023年第N季度完成投资（万元）" on one line each were 1.3 times
    the page's width: the paper cut the last three columns, without a word."""
    _with_table(minimal_site, 8, "2023年第{}季度完成投资（万元）", lambda r, c: f"{r * c * 1234.5:,.1f}")
    result, pdf_path = _built(minimal_site, tmp_path)
    assert not [line for line in result.lines if "print:" in line]
    with pdfplumber.open(pdf_path) as pdf:
        text = "".join((page.extract_text() or "") for page in pdf.pages).replace("\n", "")
        right = max(c["x1"] for page in pdf.pages for c in page.chars
                    if c["top"] < page.height - 35 * MM)  # above the page number
    assert right <= TYPE_AREA[1] + 1
    for r in range(1, 6):  # every number whole, the last column's too
        assert f"{r * 8 * 1234.5:,.1f}" in text


def test_a_table_too_wide_even_set_tightest_is_named_by_file_and_line(minimal_site, tmp_path):
    """Forty columns: even a character a column and its padding are wider than the page."""
    line = _with_table(minimal_site, 40, "第{}季度完成投资", lambda r, c: f"{r * c * 123456.7:,.2f}")
    result, _ = _built(minimal_site, tmp_path)
    warnings = [text for text in result.lines if "print:" in text]
    assert len(warnings) == 1
    found = re.fullmatch(
        rf"warning: content/2024/01/first.md:{line}: print: the table is (\d+) mm wide in print "
        r"even set small with its headings and numbers wrapped: it runs (\d+) mm past the 156 mm "
        r"it stands in \(the type area, or a column\), over what is beside it or off the page; "
        r"give it fewer columns or split it", warnings[0])
    assert found, warnings[0]
    assert int(found[1]) > 156 and abs(int(found[1]) - 156 - int(found[2])) <= 1


def test_numbers_wrap_rather_than_run_off_the_page(minimal_site, tmp_path):
    """Kept whole, twelve columns of 12,345,678.90 made a marked table wider than before it was
    marked (192 mm → 234 mm): such a table is set tighter still, its numbers wrapped."""
    path = minimal_site / "content/2024/01/first.md"
    head = "| 单位 | " + " | ".join(f"第{c}季度" for c in range(1, 13)) + " |"
    rows = [f"| {county} | " + " | ".join(["12,345,678.90"] * 12) + " |"
            for county in ("榆次区", "太谷区", "祁县")]
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + "\n".join(
        [head, "|" + "---|" * 13, *rows]) + "\n", encoding="utf-8")
    result, pdf_path = _built(minimal_site, tmp_path)
    assert not [line for line in result.lines if "print:" in line]
    with pdfplumber.open(pdf_path) as pdf:
        right = max(c["x1"] for page in pdf.pages for c in page.chars
                    if c["top"] < page.height - 35 * MM)
    assert right <= TYPE_AREA[1] + 1


def test_a_table_in_a_list_item_is_kept_to_its_column(minimal_site, tmp_path):
    """A table in a list item stands in one column (not across both): six columns ran over
    the other column's text without a word."""
    path = minimal_site / "content/2024/01/first.md"
    text = path.read_text(encoding="utf-8").rstrip("\n") + "\n\n- 各县区项目：\n\n"
    head = "  | " + " | ".join(f"2023年第{c}季度投资" for c in range(1, 7)) + " |"
    rows = ["  | " + " | ".join(["12,345.6"] * 6) + " |" for _ in range(3)]
    path.write_text(text + "\n".join([head, "  |" + "---|" * 6, *rows]) + "\n",
                    encoding="utf-8")
    result, pdf_path = _built(minimal_site, tmp_path)
    assert not [line for line in result.lines if "print:" in line]
    with pdfplumber.open(pdf_path) as pdf:
        page = next(p for p in pdf.pages if "季度" in (p.extract_text() or ""))
        table = [c for c in page.chars if c["size"] < 10]  # tables are set in 9 pt or less
    # the type area's middle, between the two columns (6 mm apart): nothing of the table
    # within 2 mm of it, whichever column a part of the table stands in (it may continue)
    middle = (TYPE_AREA[0] + TYPE_AREA[1]) / 2 + 1 * MM  # binding side 28 mm, outer 26 mm
    assert [c["text"] for c in table if c["x0"] < middle + 2 * MM and c["x1"] > middle - 2 * MM] \
        == [], "the table runs over the gap between the columns"
