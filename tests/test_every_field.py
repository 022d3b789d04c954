"""Every field and every body is checked for characters that hide or reorder text, and the work
for any input is bounded by its size: YAML aliases, the project's regular expressions and
markdown-it's scans ahead. (The bad-input catalogue in sites_invalid/ has the exact messages.)"""
from __future__ import annotations

import time
import unicodedata

import pytest
from hypothesis import given, settings, strategies as st

from conftest import run_cli
from gazette_build import audit, markdown, textcheck
from gazette_build.importer import recognise

BAD = ["\x00", "\x1b", "\x7f", "\x85", "\u202a", "\u202e", "\u2066", "\u2069", "\u200b",
       "\ufeff", "\u0378", "\U0003fffe"]


def _set_title(site, title_yaml: str) -> None:
    doc = site / "content/2024/01/first.md"
    lines = doc.read_text(encoding="utf-8").split("\n")
    lines[1] = f"title: {title_yaml}"
    doc.write_text("\n".join(lines), encoding="utf-8")


@settings(max_examples=25, deadline=None)
@given(bad=st.sampled_from(BAD), before=st.text(alphabet="公报通知甲乙", max_size=5))
def test_a_bad_character_anywhere_in_a_title_is_named(tmp_path_factory, bad, before):
    from conftest import SITES, copy_site

    site = copy_site(SITES / "minimal", tmp_path_factory.mktemp("t") / "site")
    escaped = bad.encode("unicode_escape").decode("ascii") if ord(bad) < 0x10000 else \
        f"\\U{ord(bad):08x}"
    _set_title(site, f'"{before}甲{escaped}通知"')  # inside: the ends are stripped
    result = run_cli("--site", str(site), "check")
    assert result.code == 1
    assert f"content/2024/01/first.md:2: title: the character U+{ord(bad):04X}" in result.err
    assert "Traceback" not in result.err


def test_a_lone_surrogate_fails_check_as_it_fails_build(minimal_site):
    _set_title(minimal_site, '"测试\\ud800通知"')
    for command in (["check"], ["build", "--no-pdf"]):
        result = run_cli("--site", str(minimal_site), *command)
        assert result.code == 1
        assert result.lines[0] == ("content/2024/01/first.md:2: title: the character U+D800 is a "
                                   "lone surrogate, not a character; remove it")


def test_check_prints_control_characters_escaped(minimal_site):
    doc = minimal_site / "content/2024/01/first.md"
    doc.write_text(doc.read_text(encoding="utf-8").replace(
        "issuer: 晋中市人民政府", 'issuer: "\\e[2J\\u202e晋中市"'), encoding="utf-8")
    result = run_cli("--site", str(minimal_site), "check")
    assert result.code == 1
    assert "\x1b" not in result.err and "\u202e" not in result.err
    assert "content/2024/01/first.md:5: issuer: \\x1b[2J\\u202e晋中市 belongs to no section" \
        in result.err


@pytest.mark.parametrize("where", ["site.yaml", "content/2024/01/issue.yaml"])
def test_site_and_issue_files_are_checked_too(minimal_site, where):
    path = minimal_site / where
    text = path.read_text(encoding="utf-8")
    if where == "site.yaml":
        text = text.replace("publisher: 晋中市人民政府办公室", "publisher: 晋中市\u200b人民政府办公室")
    else:
        text = text.replace("  - second", '  - "second\\u202e"')
    path.write_text(text, encoding="utf-8")
    result = run_cli("--site", str(minimal_site), "check")
    assert result.code == 1
    code = "U+200B" if where == "site.yaml" else "U+202E"
    assert any(line.startswith(f"{where}:") and code in line for line in result.lines)


def test_private_use_and_joiners_are_warnings(minimal_site):
    doc = minimal_site / "content/2024/01/first.md"
    doc.write_text(doc.read_text(encoding="utf-8").replace("第一段正文。", "第一段\ue000正文\u200d。"),
                   encoding="utf-8")
    result = run_cli("--site", str(minimal_site), "check")
    assert result.code == 0, result.err
    assert ("warning: content/2024/01/first.md:11: body: the character U+E000 is a private-use "
            "character: it shows only with a font that defines it") in result.lines
    assert any("U+200D (ZERO WIDTH JOINER) is an invisible joiner" in line for line in result.lines)


def test_unassigned_code_points_are_errors_and_ordinary_text_is_not():
    assert textcheck.suspicious("公报ABCé〔２０２４〕号\t\n") == {}
    for char in ("\u0378", "\U00040000", "\U000e0080"):
        assert unicodedata.category(char) == "Cn"
        assert textcheck.suspicious(char)[char][0] is True


# the invisible and direction characters an attacker found passing `check` (and on the pages)
INVISIBLE = {"\u2060": "invisible formatting", "\U000e0041": "invisible formatting",
             "\ufff9": "invisible formatting", "\u2800": "shown as a blank",
             "\u2064": "invisible formatting", "\u061c": "bidirectional control",
             "\u200e": "bidirectional control", "\u200f": "bidirectional control",
             "\u3164": "shown as a blank", "\u115f": "shown as a blank",
             "\u034f": "zero-width", "\u2028": "line or paragraph separator",
             "\u2029": "line or paragraph separator"}


def test_invisible_formatting_direction_marks_and_separators_are_errors_at_their_line(
        minimal_site):
    doc = minimal_site / "content/2024/01/first.md"
    body = "".join(f"\n第{n}段{char}正文。\n" for n, char in enumerate(INVISIBLE))
    doc.write_text(doc.read_text(encoding="utf-8") + body, encoding="utf-8")
    result = run_cli("--site", str(minimal_site), "check")
    assert result.code == 1 and "Traceback" not in result.err
    last = len(doc.read_text(encoding="utf-8").split("\n")) - 1
    for index, (char, why) in enumerate(INVISIBLE.items()):
        line = last - 2 * (len(INVISIBLE) - 1 - index)
        assert any(entry.startswith(f"content/2024/01/first.md:{line}: body: the character "
                                    f"U+{ord(char):04X}") and why in entry
                   for entry in result.lines), (char, result.err)
    # what has a use is not refused: the soft hyphen, variation selectors (异体字), the
    # Mongolian vowel separator (a warning)
    assert textcheck.suspicious("公报\ufe00\U000e0100") == {}
    assert textcheck._classify("\u00ad") is None
    assert textcheck.suspicious("\u180e")["\u180e"][0] is False


def test_a_character_yaml_takes_as_a_line_break_is_named_at_its_line(minimal_site):
    """U+2028 in a title gave "could not find expected ':'", a line later, the character unnamed."""
    doc = minimal_site / "content/2024/01/first.md"
    doc.write_text(doc.read_text(encoding="utf-8").replace(
        "number: 市政发〔2024〕1号", "number: 市政发\u2028〔2024〕1号"), encoding="utf-8")
    result = run_cli("--site", str(minimal_site), "check")
    assert result.lines[0] == ("content/2024/01/first.md:3: yaml: the character U+2028 (LINE "
                               "SEPARATOR) is a line break to YAML but not to an editor; remove "
                               "it (text pasted from a PDF or a web page often carries it)")


def test_for_terminal_escapes_what_would_move_the_cursor_or_reorder_text():
    assert textcheck.for_terminal("a\x1b[2Jb\u202ec\ud800\n") == "a\\x1b[2Jb\\u202ec\\ud800\n"
    assert textcheck.for_terminal("a\u061cb\u2028c\u2060") == "a\\u061cb\\u2028c\\u2060"
    # and every character a field may not hold: what a message names can be seen
    assert textcheck.for_terminal("甲\U000e0041乙\u3164丙\u034f丁") == \
        "甲\\U000e0041乙\\u3164丙\\u034f丁"


# -- bounded work ------------------------------------------------------------------------------

def test_a_billion_laughs_answers_at_once_with_its_line(minimal_site):
    doc = minimal_site / "content/2024/01/first.md"
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi"):
        levels.append(f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]")
    bomb = "\n".join(levels) + "\n? *i\n: x\n"
    assert len(bomb) < 700
    doc.write_text(doc.read_text(encoding="utf-8").replace("---\n\n", bomb + "---\n\n", 1),
                   encoding="utf-8")
    started = time.perf_counter()
    result = run_cli("--site", str(minimal_site), "check")
    assert time.perf_counter() - started < 1.0
    assert result.code == 1
    assert result.lines[0].startswith("content/2024/01/first.md:")
    assert "aliases (*name) here expand to more than 100,000 characters" in result.lines[0]


def test_aliases_of_one_long_value_are_counted_by_its_length(minimal_site):
    """Counted in values, 20 aliases of a 20,000-character note passed: 20,000 of them made a
    140 KB file 1.2 GB of warnings and 3.4 GB of output."""
    doc = minimal_site / "content/2024/01/first.md"
    notes = f'notes: [&a "{"注" * 20_000}", {", ".join(["*a"] * 20)}]\n'
    doc.write_text(doc.read_text(encoding="utf-8").replace("---\n\n", notes + "---\n\n", 1),
                   encoding="utf-8")
    result = run_cli("--site", str(minimal_site), "check")
    assert result.code == 1
    assert result.lines[0] == ("content/2024/01/first.md:7: yaml: the aliases (*name) here "
                               "expand to more than 100,000 characters; write the values out "
                               "instead of repeating them by alias")


ADVERSARIAL = ["<a", "![", "[", "](", "\n", "\n[a]: ", "附件 ", "![[b]", "< ", "*a", "[a]("]


@pytest.mark.parametrize("pattern", [markdown.IMAGE_SOURCE, audit.RAW_HTML, audit.UNSAFE_LINK,
                                     markdown.ATTACHMENT], ids=lambda p: p.pattern[:20])
def test_the_projects_regular_expressions_are_linear(pattern):
    """400 KB of each adversarial repetition: a quadratic pattern takes minutes here."""
    for payload in ADVERSARIAL:
        text = payload * (400_000 // len(payload))
        started = time.perf_counter()
        list(pattern.finditer(text))
        assert time.perf_counter() - started < 2.0, repr(payload)


@pytest.mark.parametrize("pattern, start", [(recognise.DISCLOSURE, "（此件"),
                                            (recognise.ATTACHMENT_TITLED, "附件"),
                                            (recognise.ATTACHMENT_LABEL, "附件")],
                         ids=["disclosure", "attachment titled", "attachment label"])
def test_the_importers_regular_expressions_are_linear(pattern, start):
    """A Word paragraph of 附件 and 80,000 spaces took 34 s; 400,000 would take hours."""
    started = time.perf_counter()
    assert pattern.match(start + " " * 400_000 + "x") is None
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize("payload", ["<a", "![", "[", "*a", "[a]("])
def test_a_huge_paragraph_of_marks_is_shown_as_text_with_a_warning(minimal_site, tmp_path,
                                                                    payload):
    doc = minimal_site / "content/2024/01/first.md"
    doc.write_text(doc.read_text(encoding="utf-8") + "\n" + payload * (400_000 // len(payload))
                   + "\n", encoding="utf-8")
    line = doc.read_text(encoding="utf-8").count("\n")
    started = time.perf_counter()
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(tmp_path / "o"))
    assert time.perf_counter() - started < 10.0
    assert result.code == 0, result.err
    assert any(l.startswith(f"warning: content/2024/01/first.md:{line}: body: the paragraph (")
               and "shown as plain text" in l for l in result.lines)
    page = (tmp_path / "o/2024/01/first/index.html").read_text(encoding="utf-8")
    assert payload.replace("<", "&lt;") * 10 in page


def test_paragraphs_each_within_the_budget_are_bounded_together(minimal_site, tmp_path):
    """400 KB of `![` cut into 4,000-character paragraphs: each passed the paragraph's budget,
    and together they took markdown-it as long as one 400 KB paragraph would (5 MB: 74 s)."""
    doc = minimal_site / "content/2024/01/first.md"
    text = doc.read_text(encoding="utf-8")
    first = text.count("\n") + 2
    doc.write_text(text + "\n" + "\n\n".join(["![" * 2_000] * 100) + "\n", encoding="utf-8")
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(tmp_path / "o"))
    assert result.code == 0, result.err
    plain = [line for line in result.lines if "shown as plain text" in line]
    # 4,000 marks × 4,000 characters each: the document's budget holds 12 of them; the first
    # five of the others are named, then counted
    kept = markdown.DOCUMENT_MARKUP_BUDGET // (4_000 * 4_000)
    assert kept == 12 and len(plain) == 6
    assert plain[0].startswith(f"warning: content/2024/01/first.md:{first + 2 * kept}: body: the "
                               "paragraph (4,000 characters) holds too many link, image or "
                               "emphasis marks (for its length, or with the document's others)")
    assert plain[5] == (f"warning: content/2024/01/first.md:{first + 2 * (kept + 5)}: body: and "
                        f"{100 - kept - 5} more paragraphs from here on are shown as plain text, "
                        "for the same reason")


def test_short_paragraphs_of_marks_are_bounded_by_the_document_s_marks(minimal_site, tmp_path):
    """1 MB of `![` in paragraphs of 256 characters (too short to be counted one by one) took
    20 s: markdown-it spends ~25 µs on each mark however short the paragraph."""
    doc = minimal_site / "content/2024/01/first.md"
    text = doc.read_text(encoding="utf-8")
    first = text.count("\n") + 2
    doc.write_text(text + "\n" + "\n\n".join(["![" * 128] * 4_000) + "\n", encoding="utf-8")
    started = time.perf_counter()
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(tmp_path / "o"))
    assert time.perf_counter() - started < 10.0
    assert result.code == 0, result.err
    kept = markdown.MAX_DOCUMENT_MARKS // 256  # paragraphs read before the marks run out
    plain = [line for line in result.lines if "shown as plain text" in line]
    assert plain[0].startswith(f"warning: content/2024/01/first.md:{first + 2 * kept}: body: the "
                               "paragraph (256 characters) holds too many")
    assert plain[5].endswith(f"and {4_000 - kept - 5:,} more paragraphs from here on are shown "
                             "as plain text, for the same reason")
    page = (tmp_path / "o/2024/01/first/index.html").read_text(encoding="utf-8")
    assert page.count("![" * 128) == 4_000  # every paragraph shown, read or as text


def test_grid_table_cells_count_with_the_document_s_marks(minimal_site, tmp_path):
    """A ```table block's cells are read one by one as it is rendered, each a parse of its
    own: 4,000 cells of 120 `![` took 16 s with no word, the document's marks never spent."""
    doc = minimal_site / "content/2024/01/first.md"
    text = doc.read_text(encoding="utf-8")
    line = text.count("\n") + 2
    rule = "+" + "-" * 244 + "+\n"
    grid = rule + "".join("| " + "![" * 120 + "  |\n" + rule for _ in range(1_000))
    doc.write_text(text + "\n```table\n" + grid + "```\n", encoding="utf-8")
    started = time.perf_counter()
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(tmp_path / "o"))
    assert time.perf_counter() - started < 10.0
    assert result.code == 0, result.err
    assert any(entry.startswith(f"warning: content/2024/01/first.md:{line}: body: the table (")
               and "shown as plain text" in entry for entry in result.lines), result.err
    page = (tmp_path / "o/2024/01/first/index.html").read_text(encoding="utf-8")
    assert page.count("![" * 120) == 1_000  # each cell shown, as text


def test_a_paragraph_or_table_too_large_for_print_is_named_and_the_web_edition_built(
        minimal_site, tmp_path):
    doc = minimal_site / "content/2024/01/first.md"
    text = doc.read_text(encoding="utf-8")
    paragraph_line = text.count("\n") + 2
    table = "| 县 | 数 |\n| --- | --- |\n" + "".join(f"| 第{i}行 | {i} |\n" for i in range(2_100))
    doc.write_text(text + "\n" + "长" * 25_000 + "\n\n" + table, encoding="utf-8")
    table_line = paragraph_line + 2
    out = tmp_path / "o"
    started = time.perf_counter()
    result = run_cli("--site", str(minimal_site), "build", "--out", str(out))
    assert time.perf_counter() - started < 30
    assert result.code == 0, result.err
    assert (f"warning: content/2024/01/first.md:{paragraph_line}: print: the paragraph has "
            "25,000 characters, more than the 20,000 the print layout takes: 2024年第1期 gets "
            "no PDF (the web edition is built); split it or shorten it") in result.lines
    assert any(line.startswith(f"warning: content/2024/01/first.md:{table_line}: print: the "
                               "table has 2,102 rows") for line in result.lines), result.err
    assert "长" * 1000 in (out / "2024/01/first/index.html").read_text(encoding="utf-8")
    assert not list(out.rglob("*.pdf"))


@pytest.mark.parametrize("shape", ["lists", "quotes"])
def test_text_nested_deeper_than_markdown_reads_is_named(minimal_site, tmp_path, shape):
    """Past markdown-it's nesting limit the rest of the block was dropped from both editions
    without a word (300 list items indented ever deeper: all but 8 gone)."""
    doc = minimal_site / "content/2024/01/first.md"
    text = doc.read_text(encoding="utf-8")
    first = text.count("\n") + 2  # the line the nesting starts on
    if shape == "lists":
        nested = "".join("  " * i + f"- 第{i}项\n" for i in range(30))
        cut = first + 9  # 第9项, ten lists deep: twenty levels of markdown-it's tokens
    else:
        nested = "".join(">" * (i + 1) + f" 第{i}段\n\n" for i in range(30))
        cut = first + 2 * 19  # 第19段, twenty quotes deep
    doc.write_text(text + "\n" + nested + "\n结尾的一段。\n\n" + nested, encoding="utf-8")
    out = tmp_path / "o"
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--no-search", "--out",
                     str(out))
    assert result.code == 0, result.err
    said = ("lists or quotes nest here deeper than Markdown reads (lists in lists, quotes in "
            "quotes): from this line the block is not shown, on the web or in print; nest less "
            "deeply")
    assert f"warning: content/2024/01/first.md:{cut}: body: {said}" in result.lines, result.err
    # after a list nested too deep markdown-it dropped the rest of the document, every block
    page = (out / "2024/01/first/index.html").read_text(encoding="utf-8")
    assert "结尾的一段。" in page
    second = cut + nested.count("\n") + 3  # a blank line, the paragraph, a blank line
    if shape == "lists":  # the second list is named too
        assert f"warning: content/2024/01/first.md:{second}: body: {said}" in result.lines
    else:  # each quote nested too deeply is a block: five named, then how many more
        assert f"warning: content/2024/01/first.md:{cut + 2 * 5}: body: and 17 more blocks " \
               "from here on nest too deeply to be shown" in result.lines, result.err  # 11 a copy


class Doc:
    """What the print limits read of a document: its body, from line 10 of its file."""
    body_line, html, parts = 10, "", ()

    def __init__(self, body):
        self.body_markdown = body


def test_text_nested_too_deep_is_passed_over_in_time_linear_in_it():
    """Quotes nested past the limit, each paragraph continued by a lazy line (`> b`): each lazy
    line ended the block passed over, and the quotes above it parsed the rest again (110 KB
    took 274 s to read). Counted in calls of markdown-it's blockquote rule."""
    from gazette_build import markdown

    def blockquote_calls(pairs: int) -> int:
        md = markdown._parser.__wrapped__()
        rule = next(rule for rule in md.block.ruler.__rules__ if rule.name == "blockquote")
        calls, original = [0], rule.fn

        def counting(*args):
            calls[0] += 1
            return original(*args)
        rule.fn, md.block.ruler.__cache__ = counting, None
        env: dict = {}
        md.parse("".join(f"{'> ' * 21}a{i}\n> b{i}\n" for i in range(pairs)), env)
        assert env["too_deep"] == [0]  # one quote 21 deep, as CommonMark reads it
        return calls[0]

    assert blockquote_calls(200) < 2.2 * blockquote_calls(100)


def test_print_limits_see_a_paragraph_above_a_table_and_a_row_of_one_long_cell():
    from gazette_build.printed import limits

    assert limits.problems(Doc("长" * 25_000 + "\na | b\n--|--\n1 | 2\n")) == [
        (10, "the paragraph has 25,000 characters, more than the 20,000 the print layout takes")]
    assert limits.problems(Doc("| a | b |\n|---|---|\n| " + "长" * 25_000 + " | 2 |\n")) == [
        (12, "a table row has 25,008 characters, more than the 20,000 the print layout takes")]


def test_print_limits_see_a_long_line_of_code():
    """A 3 MB line in a code fence passed every limit: 32 s and 1.4 GB with no word, 6 MB a
    MemoryError traceback; a line of code is one unbreakable line, as long as a paragraph."""
    from gazette_build.printed import limits

    assert limits.problems(Doc("正文。\n\n```\nshort\n" + "x" * 25_000 + "\n```\n")) == [
        (14, "a line of code has 25,000 characters, more than the 20,000 the print layout "
             "takes")]
    assert limits.problems(Doc("~~~\n" + "x" * 19_000 + "\n~~~\n")) == []


def test_print_limits_do_not_count_reference_definitions_as_a_paragraph():
    """A block of 500 link reference definitions prints nothing: it was "a paragraph of 24,390
    characters", and the issue got no PDF. Text after them in the block is a paragraph."""
    from gazette_build.printed import limits

    definitions = "".join(f"[文件{i}]: https://www.sxjz.gov.cn/zwgk/{i:06d}.html\n"
                          for i in range(500))
    assert len(definitions) > 20_000
    assert limits.problems(Doc("正文见[文件1]。\n\n" + definitions)) == []
    assert limits.problems(Doc(definitions + "长" * 25_000 + "\n")) == [
        (510, "the paragraph has 25,000 characters, more than the 20,000 the print layout takes")]
    # within a paragraph, a line like a definition is its text
    assert limits.problems(Doc("长" * 100 + "\n" + definitions)) == [
        (10, f"the paragraph has {100 + len(definitions) - 500:,} characters, more than the "
             "20,000 the print layout takes")]


def test_print_limits_count_a_table_s_cells_and_a_document_s_lines_of_text():
    """1,999 rows of 60 columns took 97 s and 2.5 GB to lay out, 32,000 short paragraphs in two
    columns 83 s: under the limits of rows and of a paragraph's characters both."""
    from gazette_build.printed import limits

    row = "| " + " | ".join(["1"] * 30) + " |\n"
    table = row.replace("1", "列") + "|---" * 30 + "|\n" + row * 700
    assert limits.problems(Doc("正文。\n\n" + table)) == [
        (12, "the table has 21,030 cells, more than the 20,000 the print layout takes")]
    assert limits.problems(Doc("正文。\n\n" + table.replace(row * 700, row * 600))) == []
    said = ("the document has 10,001 lines of text outside its tables (paragraphs, list items, "
            "headings; a quote's lines count once more for each level), more than the 10,000 "
            "the print layout takes")
    assert limits.problems(Doc("\n\n".join(["第一条。"] * 10_001))) == [(10, said)]
    assert limits.problems(Doc("- 项\n" * 10_001)) == [(10, said)]
    # a tight list's items are blocks of their own; a line "2. …" cannot interrupt a paragraph
    assert limits.problems(Doc(("- " + "长" * 5_000 + "\n") * 5)) == []
    assert limits.problems(Doc("长" * 100 + "\n" + ("2. " + "长" * 5_000 + "\n") * 5)) == [
        (10, "the paragraph has 25,115 characters, more than the 20,000 the print layout takes")]
    assert limits.problems(Doc("\n\n".join(["第一条。"] * 9_000) + "\n\n" + table)) == [
        (10 + 2 * 9_000, "the table has 21,030 cells, more than the 20,000 the print layout "
                         "takes")]


def test_print_limits_read_blocks_as_markdown_does_not_as_lines():
    """Found by an attacker, each laying an issue out for a minute or more within the limits
    as they counted: a quote's lines read as paragraphs of their own (one paragraph of 190,000
    characters: 70 s), lines led by `|` without a delimiter row read as table rows (a paragraph:
    48 s), a ```table whose rows are split by blank lines (4,000 rows), short rows padded to a
    header of 60 columns (60,000 cells counted as 1,060: 56 s), 9,999 lines ten quotes deep
    (68 s), a soft hyphen sending a paragraph of 20,000 characters to WeasyPrint's own line
    cutting (89 s)."""
    from gazette_build.printed import limits

    long_line = "长" * 19_000
    assert limits.problems(Doc("\n".join(["> " + long_line] * 10))) == [
        (10, "the paragraph has 190,000 characters, more than the 20,000 the print layout takes")]
    assert limits.problems(Doc("\n".join(["| " + long_line] * 2))) == [
        (10, "the paragraph has 38,004 characters, more than the 20,000 the print layout takes")]
    gridtable = "```table\n| 县 | 数 |\n|---|---|\n" + "| 县 | 1 |\n\n" * 4_000 + "```\n"
    assert limits.problems(Doc("正文。\n\n" + gridtable)) == [
        (13, "the table has 4,002 rows, more than the 2,000 the print layout takes")]
    padded = "| " + " | ".join(["列"] * 60) + " |\n" + "|---" * 60 + "|\n" + "| 1 |\n" * 1_000
    assert limits.problems(Doc(padded)) == [
        (10, "the table has 60,060 cells, more than the 20,000 the print layout takes")]
    assert limits.problems(Doc("\n\n".join(["> " * 10 + "第一条。"] * 1_000)))[0][1].startswith(
        "the document has 11,000 lines of text")
    assert limits.problems(Doc("——" * 2_500 + "\xad——")) == [
        (10, "the paragraph has 5,003 characters and a soft hyphen, a direction mark or "
             "right-to-left text, more than the 4,000 the print layout takes with those")]
    # a ```table without leading pipes or a delimiter row is a table, not a paragraph
    rows = "".join(f"县{i} | 投资{i} | 备注\n" for i in range(800))
    assert limits.problems(Doc(f"```table\n{rows}```\n")) == []


def test_print_limits_count_the_documents_of_an_issue_together():
    """Three documents of 9,999 lines each, every one within the limit: 83 s in one layout."""
    from gazette_build.printed import limits

    class Issue:
        documents = [Doc("\n\n".join(["第一条。"] * 9_000)) for _ in range(3)]

    found = limits.issue_problems(Issue())
    assert [(Issue.documents.index(doc), line, message) for doc, line, message in found] == [
        (2, 10, "with this document the issue has 27,000 lines of text outside its tables, more "
                "than the 20,000 one issue's layout takes")]


@pytest.mark.parametrize("shape", ["ideographic spaces", "rows without a leading pipe"])
def test_print_limits_cut_blocks_as_markdown_does(minimal_site, tmp_path, shape):
    """A line of U+3000 does not end a paragraph, and GFM rows need no leading `|`: both got
    round the limits before (a 400 KB paragraph laid out in 239 s, a 9,007-row table in 21 s)."""
    doc = minimal_site / "content/2024/01/first.md"
    text = doc.read_text(encoding="utf-8")
    line = text.count("\n") + 2
    block = "\n\u3000\n".join(["长" * 9_000] * 3) if shape == "ideographic spaces" else \
        "县|数\n-|-\n" + "".join(f"第{i}行|{i}\n" for i in range(2_100))
    doc.write_text(text + "\n" + block + "\n", encoding="utf-8")
    out = tmp_path / "o"
    result = run_cli("--site", str(minimal_site), "build", "--no-search", "--out", str(out))
    assert result.code == 0, result.err
    said = "the paragraph has 27,002 characters" if shape == "ideographic spaces" else \
        "the table has 2,102 rows"
    assert any(entry.startswith(f"warning: content/2024/01/first.md:{line}: print: {said}")
               for entry in result.lines), result.err
    assert not list(out.rglob("*.pdf"))


def test_the_common_ranges_skipped_by_the_fast_scan_hold_nothing_to_report():
    skipped = [chr(code) for code in range(0x30000) if not textcheck._UNCOMMON.match(chr(code))]
    assert len(skipped) > 25_000
    assert [f"U+{ord(c):04X}" for c in skipped if textcheck._classify(c)] == []


@pytest.mark.parametrize("reference,code", [("&#x202E;", "U+202E"), ("&#8238;", "U+202E"),
                                            ("&ZeroWidthSpace;", "U+200B"), ("&#xFEFF;", "U+FEFF"),
                                            ("&#x378;", "U+0378"), ("&#x2066;", "U+2066")])
def test_a_character_reference_in_a_body_is_checked_as_its_character(minimal_site, reference,
                                                                     code):
    """The Markdown converter writes the character a reference stands for: `&#x202E;` in a body
    published U+202E with no word."""
    doc = minimal_site / "content/2024/01/first.md"
    doc.write_text(doc.read_text(encoding="utf-8").replace("第一段正文。", f"第一段{reference}正文。"),
                   encoding="utf-8")
    for command in (["check"], ["build", "--no-pdf"]):
        result = run_cli("--site", str(minimal_site), *command)
        assert result.code == 1, result.err
        assert f"content/2024/01/first.md:11: body: the character reference {reference} stands " \
            f"for {code}" in result.err


def test_a_character_reference_in_code_is_shown_as_written_not_refused(minimal_site):
    doc = minimal_site / "content/2024/01/first.md"
    doc.write_text(doc.read_text(encoding="utf-8").replace(
        "第一段正文。", "第一段正文写作 `&#x200B;`。\n\n```\n&#x202E;\n```\n\n末段&#x2066;。"),
        encoding="utf-8")
    result = run_cli("--site", str(minimal_site), "check")
    assert result.code == 1
    said = [line for line in result.lines if "character reference" in line]
    assert len(said) == 1 and said[0].startswith("content/2024/01/first.md:17: body: the "
                                                 "character reference &#x2066;"), result.err


def test_a_key_that_looks_like_a_date_is_an_unknown_field_not_a_traceback(minimal_site):
    doc = minimal_site / "content/2024/01/first.md"
    doc.write_text(doc.read_text(encoding="utf-8").replace(
        "disclosure:", "2024-02-30: 1\nkeywords: [甲, 2024-02-31]\ndisclosure:"), encoding="utf-8")
    result = run_cli("--site", str(minimal_site), "check")
    assert result.code == 1 and "Traceback" not in result.err
    assert "content/2024/01/first.md:6: 2024-02-30: unknown field" in result.err
    assert ("content/2024/01/first.md:7: keywords: 2024-02-31 is not a real date (day is out "
            "of range for month)") in result.err


def test_a_tagged_value_or_a_bad_date_named_twice_is_one_located_error_each(minimal_site):
    """`!!bool x` and `!!int ''` failed inside PyYAML with a KeyError or IndexError (a
    traceback); a bad date under an anchor, named again by its alias, was then taken for a
    syntax error and every other field lost."""
    doc = minimal_site / "content/2024/01/first.md"
    doc.write_text(doc.read_text(encoding="utf-8").replace(
        "disclosure:", 'keywords: [!!bool x]\ntopic: !!int ""\nnotes: &d [2024-02-30]\n'
        "title_lines: *d\ndisclosure:"), encoding="utf-8")
    result = run_cli("--site", str(minimal_site), "check")
    assert result.code == 1 and "Traceback" not in result.err, result.err
    assert "content/2024/01/first.md:6: keywords: x is not a valid value" in result.err
    assert "content/2024/01/first.md:7: topic:  is not a valid value" in result.err
    assert "content/2024/01/first.md:8: notes: 2024-02-30 is not a real date" in result.err
    assert "content/2024/01/first.md:8: title_lines: 2024-02-30 is not a real date" in result.err
    assert "syntax error" not in result.err


def test_documents_named_with_full_width_digits_are_the_same_documents(minimal_site, tmp_path):
    """文号 are compared in NFKC form wherever one document names another."""
    second = minimal_site / "content/2024/01/second.md"
    text = second.read_text(encoding="utf-8")
    own = next(line for line in text.split("\n") if line.startswith("number: "))[8:]
    second.write_text(text.replace(f"number: {own}\n", f"number: {own}\nstatus: 已废止\n"
                                   "repealed_by: 市政发〔２０２４〕１号\n"), encoding="utf-8")
    out = tmp_path / "o"
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(out))
    assert result.code == 0, result.err
    assert "not in the archive" not in result.err
    page = (out / "2024/01/second/index.html").read_text(encoding="utf-8")
    assert "由<a href=\"../../../2024/01/first/index.html\">《" in page  # the 废止 notice links it
    wide = own.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    second.write_text(text.replace(f"number: {own}\n", f"number: {own}\namended_by: {wide}\n"),
                      encoding="utf-8")
    result = run_cli("--site", str(minimal_site), "check")
    assert result.code == 1
    assert f"amended_by: names the document itself ({wide})" in result.err


@pytest.mark.parametrize("shape", ["cells", "short rows padded", "pipes in code"])
def test_tables_with_more_cells_than_a_document_may_hold_are_a_located_error(minimal_site,
                                                                             shape):
    """A 1.2 MB table of 600,000 cells took markdown-it 1 GB (3 MB: a MemoryError traceback):
    each cell is a token, and a short row is padded to the header's columns (tables of 100
    columns with rows of one word, 21 KB: 806 MB). Counted before reading, in check and build
    alike; the pipes of a code listing are no table's."""
    doc = minimal_site / "content/2024/01/first.md"
    text = doc.read_text(encoding="utf-8")
    line = text.count("\n") + 2
    if shape == "cells":
        row = "|1" * 1_000 + "|\n"
        body, cells = row + "|---" * 1_000 + "|\n" + row * 60, 61_000
    elif shape == "short rows padded":
        body, cells = "|列" * 100 + "|\n" + "|---" * 100 + "|\n" + "a\n" * 600, 60_100
    else:
        body, cells = "```\n" + "a | b | c | d | e\n" * 20_000 + "```\n", 0
    doc.write_text(text + "\n" + body, encoding="utf-8")
    for command in (["check"], ["build", "--no-pdf"]):
        result = run_cli("--site", str(minimal_site), *command)
        assert "Traceback" not in result.err
        if not cells:
            assert result.code == 0, result.err
            continue
        assert result.code == 1
        assert result.lines[0] == (
            f"content/2024/01/first.md:{line}: body: the document's tables have {cells:,} cells "
            "(a short row counts as wide as the widest), more than the 50,000 a document may "
            f"hold (reading them would take ~{cells * 1.7 / 1024:,.0f} MB); split the document "
            "or its tables")
