"""Lines cut in time linear in the paragraph (printed/linebreak.py): the same layout as
WeasyPrint's own, from far less text given to Pango."""
from __future__ import annotations

import weasyprint
from weasyprint.layout import inline

from gazette_build.printed import justify, linebreak

PARAGRAPHS = [
    "——" * 1_500,  # no break opportunity between dashes: cut anywhere (overflow-wrap)
    "见https://www.sxjz.gov.cn/zwgk/" + "a" * 2_000 + "/index.html。",
    "安全生产" * 500 + "……" * 300 + "责任落实" * 200,  # break opportunities everywhere
    "12,345,678.90" * 200 + "元" + "〔2024〕1号" * 100,
    "The State Council notice on water supply in rural areas " * 60,
    "右到左שלום עולם" * 40 + "——" * 400,  # a right-to-left run: WeasyPrint's own call
    "soft\xadhyphen\xadeverywhere" * 100 + "——" * 400,  # soft hyphens: WeasyPrint's own call
]


def _html(paragraphs: list[str], extra_css: str = "") -> str:
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    return ('<html lang="zh-CN"><style>@page { size: A4; margin: 2cm } '
            'html { overflow-wrap: break-word } p { text-align: justify } body { font-family: '
            f'"FandolFang", serif; font-size: 16pt }} {extra_css}</style>{body}'
            '<pre style="white-space: pre-wrap">' + "行\n" * 50 + "——" * 600 + "</pre></html>")


def _pdf(html: str) -> bytes:
    return weasyprint.HTML(string=html).write_pdf()


def test_paragraphs_are_laid_out_as_weasyprint_lays_them_out():
    html = _html(PARAGRAPHS)
    with linebreak.linear():
        ours = _pdf(html)
    assert ours == _pdf(html)


def test_justified_narrow_columns_are_laid_out_as_weasyprint_lays_them_out():
    html = _html(PARAGRAPHS, "body { columns: 3 } p { hyphens: auto }")
    with justify.inter_character():
        theirs = _pdf(html)
        with linebreak.linear():
            ours = _pdf(html)
    assert ours == theirs


def test_the_text_given_to_pango_grows_with_the_paragraph_not_its_square():
    """A run of 6,000 characters with no break opportunity: each line laid out all the text
    that was left, twice."""
    given = []
    original = inline.split_first_line

    def counting(text, *args, **kwargs):
        given.append(len(text))
        return original(text, *args, **kwargs)

    html = _html(["——" * 3_000])
    inline.split_first_line = counting
    try:
        _pdf(html)
        unpatched = sum(given)
        given.clear()
        with linebreak.linear():
            _pdf(html)
    finally:
        inline.split_first_line = original
    assert unpatched > 6_000 * 6_000 // 100  # ~28 characters a line: each laid out the rest
    assert sum(given) < 6_000 * linebreak.LINES_AHEAD * 2, (unpatched, sum(given))


# found by differential testing: with automatic hyphenation WeasyPrint looks at the whole next
# word after a line, which a prefix can cut; such text keeps WeasyPrint's own call
HYPHENATED = '各》实事发？政关知施项人？中报项政门“；《民有共、共方人各）各报”？：关政华国：政；（“，于和国：各？民民》、方关方关报案方民案各县政府项！各民门中！各华：华区知施”民共！市）现项通县知）府的门项于华：中。的””人施有人项共《》、于………………………………………………………………………………👨\u200d👩\u200d👧\u200d👦👨\u200d👩\u200d👧\u200d👦👨\u200d👩\u200d👧\u200d👦于”“方（直市府区人《？人》？共“发政。各将：国报县案）现公人的、《的各区将府华和于：、民县市案共和人》？于市有）123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890hyph'


def test_automatic_hyphenation_is_laid_out_as_weasyprint_lays_it_out():
    html = ('<html lang="en"><style>@page { size: A4; margin: 10mm } body { width: 40px; '
            'hyphens: auto; font-family: "DejaVu Sans Mono" }</style><ul><li>'
            f'{HYPHENATED}</li></ul></html>')
    with linebreak.linear():
        ours = _pdf(html)
    assert ours == _pdf(html)
