"""What a field or a body may hold, character by character, and how text is shown on a terminal.

Characters that change how text around them is shown or read — control characters, bidi
controls, invisible and formatting characters, line separators — code points Unicode has not
assigned and lone surrogates are refused, each named by its code point and line. Private-use
characters (生僻字 typed with a vendor's font), the joiners and the Mongolian vowel separator
are warnings: they have uses, but show only with the right font or in some scripts. Each distinct character is classified once per process, so checking a
document costs a set of its characters.
"""
from __future__ import annotations

import html
import re
import unicodedata
from pathlib import Path

from .errors import Report

# the explicit embeddings, overrides and isolates, and the implicit marks (LRM, RLM, ALM)
_BIDI = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A)) | {0x200E, 0x200F, 0x061C}
_ZERO_WIDTH = {0x200B, 0xFEFF, 0x034F}  # with the combining grapheme joiner
# invisible characters of other classes (format characters are refused as a class below):
# Khmer's invisible vowels and the Hangul fillers, shown as a blank or as nothing — a title
# holding one looks like another
_INVISIBLE = {0x17B4, 0x17B5, 0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800}  # and the Braille blank
_JOINERS = {0x200C, 0x200D}
# format characters with a use: a break opportunity (print/linebreak.py); in Mongolian text,
# the vowel separator (a bilingual document of Inner Mongolia holds it)
_SOFT_HYPHEN = 0x00AD
_MONGOLIAN_VOWEL_SEPARATOR = 0x180E
_FINE: set[str] = set()  # characters seen and allowed
_VERDICT: dict[str, tuple[bool, str]] = {}  # character → (is an error, why)


def _classify(char: str) -> tuple[bool, str] | None:
    """(is an error, why) for a character that must not pass silently, None for a fine one."""
    code = ord(char)
    category = unicodedata.category(char)
    if category == "Cc" and char not in "\t\n":
        return True, "is a control character"
    if code in _BIDI:
        return True, "is a bidirectional control: it reorders how the text around it is shown"
    if code in _ZERO_WIDTH:
        return True, "is an invisible zero-width character"
    if code in _INVISIBLE:
        return True, "is an invisible character, shown as a blank or as nothing"
    if category in ("Zl", "Zp"):  # one program breaks the line there, another shows nothing
        return True, "is a line or paragraph separator: end the line with a new line instead"
    if code == _MONGOLIAN_VOWEL_SEPARATOR:
        return False, "is the Mongolian vowel separator; it is kept, but check that it is meant"
    if category == "Cf" and code not in _JOINERS and code != _SOFT_HYPHEN:
        # the word joiner, invisible operators, tags (U+E0020…), annotation marks, …
        return True, "is an invisible formatting character"
    if category == "Cs":
        return True, "is a lone surrogate, not a character"
    if category == "Cn":
        return True, "is not a character Unicode has assigned"
    if code in _JOINERS:
        return False, "is an invisible joiner; it is kept, but check that it is meant"
    if category == "Co":
        return False, "is a private-use character: it shows only with a font that defines it"
    return None


# Ranges all assigned and free of what is refused (ASCII, Latin, general punctuation, arrows,
# shapes, CJK punctuation and ideographs, full-width forms: tests/test_every_field.py checks it).
# A document's characters outside them are few, so only those are classified: a regex scan in
# C instead of a set of every character (which cost ~15% of a cold build at 1,500 documents).
_COMMON = ("\t\n\x20-\x7e\xa0-\u024f\u2010-\u2027\u2030-\u205e\u2160-\u2188\u2190-\u21ff"
           "\u2460-\u24ff\u25a0-\u25ff\u3000-\u303f\u3400-\u4db5\u4e00-\u9fef\uff01-\uff5e")
_UNCOMMON = re.compile(f"[^{_COMMON}]")


def suspicious(text: str) -> dict[str, tuple[bool, str]]:
    """The characters of `text` that are errors or warnings, with their verdicts."""
    found = {}
    for char in set(_UNCOMMON.findall(text)) - _FINE:
        verdict = _VERDICT.get(char)
        if verdict is None:
            verdict = _classify(char)
            if verdict is None:
                _FINE.add(char)
                continue
            _VERDICT[char] = verdict
        found[char] = verdict
    return found


def describe(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}{f' ({name})' if name else ''}"


def check(text: str, path: Path, line: int, field: str, report: Report) -> bool:
    """Report each bad character of `text` (which starts on `line`) once, at the line of its
    first occurrence; return False when one of them is an error."""
    found = suspicious(text)
    if not found:
        return True
    for char, (is_error, why) in sorted(found.items(), key=lambda item: text.index(item[0])):
        where = line + text.count("\n", 0, text.index(char))
        message = f"the character {describe(char)} {why}" + ("; remove it" if is_error else "")
        (report.error if is_error else report.warn)(path, where, field, message)
    return not any(is_error for is_error, _ in found.values())


# `&#x202E;`, `&#8238;`, `&ZeroWidthSpace;`: the Markdown converter writes the character a
# reference stands for, so a body's references are checked as the characters they become
# (bounded repetitions: linear on any text)
_REFERENCE = re.compile(r"&(?:#[xX][0-9a-fA-F]{1,8}|#[0-9]{1,8}|[A-Za-z][A-Za-z0-9]{1,40});")


# code spans, where a reference is shown as written (one line; linear: each run of the class
# ends at the next backtick)
_CODE_SPAN = re.compile(r"`[^`\n]+`")
_FENCE = re.compile(r"[ \t]{0,3}(`{3,}|~{3,})")


def _outside_code(text: str) -> str:
    """`text` with its fenced code blocks and code spans made spaces (each offset, so each line
    number, stays that of `text`); read line by line, so any text costs one pass."""
    lines, fence = text.split("\n"), None
    for index, line in enumerate(lines):
        opening = _FENCE.match(line)
        if fence is None and opening:
            fence = opening[1]
        elif fence is not None and opening and opening[1].startswith(fence) and \
                not line[opening.end():].strip():
            fence = None
        elif fence is None:
            lines[index] = _CODE_SPAN.sub(lambda m: " " * len(m[0]), line)
            continue
        lines[index] = " " * len(line)
    return "\n".join(lines)


def check_body(text: str, path: Path, line: int, report: Report) -> bool:
    """`check` for a document's body, whose character references are checked too, each
    reported at its line as the reference written and the character it stands for."""
    fine = check(text, path, line, "body", report)
    if "&" not in text:
        return fine
    seen: set[str] = set()
    for match in _REFERENCE.finditer(_outside_code(text)):
        if match[0] in seen:
            continue
        seen.add(match[0])
        for char, (is_error, why) in suspicious(html.unescape(match[0])).items():
            where = line + text.count("\n", 0, match.start())
            message = f"the character reference {match[0]} stands for {describe(char)}, " \
                f"which {why}" + ("; remove it" if is_error else "")
            (report.error if is_error else report.warn)(path, where, "body", message)
            fine = fine and not is_error
    return fine


_SHOWN_ESCAPED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e"
                            "\u2060-\u206f\ufeff\ud800-\udfff]")


def for_terminal(text: str) -> str:
    """`text` with control, bidi, zero-width and surrogate characters shown as escapes, so that
    a message cannot clear the screen or reorder what is printed after it; and every other
    character a field may not hold, so that what a message names can be seen."""
    text = _SHOWN_ESCAPED.sub(_escaped, text)
    refused = [char for char, (is_error, _) in suspicious(text).items() if is_error]
    return re.sub(f"[{''.join(map(re.escape, refused))}]", _escaped, text) if refused else text


def _escaped(match: re.Match) -> str:
    return match[0].encode("unicode_escape").decode("ascii")
