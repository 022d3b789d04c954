"""Tables' min-content widths in linear time (printed/mincontent.py): the same layout as
WeasyPrint's own, from far less text given to Pango."""
from __future__ import annotations

import weasyprint
from weasyprint.layout import preferred

from gazette_build.printed import mincontent

CELLS = [
    "安全生产" * 300,  # 1,200 characters, no space: every character a break opportunity
    "按期完成并报送进展情况。" * 40 + "（详见附件1：《晋中市2024年工作任务分解表》）" * 5,
    "https://www.sxjz.gov.cn/zwgk/zfxxgkzl/fdzdgknr/" + "a" * 300 + "/index.html",
    "12,345,678.90元、" * 60,
    "河长制 湖长制 工作 " * 80,  # with spaces: WeasyPrint's own shortcut
    "𠀀𠀁𠀂扩展B区汉字" * 100 + "——" * 50 + "……" * 50,
]


def _table(cells: list[str]) -> str:
    rows = "".join(f"<tr><td>{index}</td><td>{text}</td><td>备注</td></tr>"
                   for index, text in enumerate(cells, 1))
    return ('<html lang="zh-CN"><style>@page { size: A4; margin: 2cm } body { font-family: '
            f'"FandolFang", serif; font-size: 16pt }}</style><table>{rows}</table></html>')


def _pdf(html: str) -> bytes:
    return weasyprint.HTML(string=html).write_pdf()


def test_a_table_is_laid_out_as_weasyprint_lays_it_out():
    html = _table(CELLS)
    with mincontent.linear():
        ours = _pdf(html)
    assert ours == _pdf(html)


def test_the_text_given_to_pango_grows_with_the_cell_not_its_square():
    """A cell of n characters without spaces gave Pango n layouts of up to n characters."""
    given = []
    original = preferred.split_first_line

    def counting(text, *args, **kwargs):
        given.append(len(text))
        return original(text, *args, **kwargs)

    html = _table(["安全生产" * 375])  # 1,500 characters
    preferred.split_first_line = counting
    try:
        _pdf(html)
        unpatched = sum(given)
        given.clear()
        with mincontent.linear():
            _pdf(html)
    finally:
        preferred.split_first_line = original
    assert unpatched > 1_500 * 1_500 // 4  # each call laid out what was left
    assert sum(given) < 1_500 * (mincontent.PREFIX + 10)
