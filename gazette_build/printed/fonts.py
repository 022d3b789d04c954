"""Fonts of the printed edition: the CSS family lists per role, and the check that every
character of an issue is in a configured font of its role.

Pango silently takes a missing character from whatever system font has it, so an issue can
print with a stray face nobody chose; the check turns that into a warning that names the
document and the character (conventions §3: never rely on a generic fallback).
"""
from __future__ import annotations

import bisect
import hashlib
import json
import os
import subprocess
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

from markupsafe import Markup

from ..config import FONT_ROLES
from ..errors import Report
from ..model import Document, Fonts, Issue, SiteConfig

ROLES = FONT_ROLES
# where a character missing from a role's fonts is taken from: the fonts of the roles of the
# closest style, nearest first. 仿宋 is a light, even-stroked face with 楷 strokes on a 宋
# structure, so 楷 before 宋 (a 宋 glyph is visibly heavier and contrasted inside 仿宋 text);
# 楷 takes 仿宋 next; 黑 and 宋 are each other's nearest among the roles
CLOSEST_STYLE = {
    "body": ("heading2", "title"),
    "heading3": ("heading2", "title"),
    "heading2": ("body", "title"),
    "heading1": ("title",),
    "title": ("page_number", "heading1"),
    "page_number": ("title", "heading1"),
}
# faces looked up bold: 小标宋 titles, and level-3 headings (body font, bold)
BOLD_ROLES = frozenset({"title", "heading3"})
# the class or tag of an element of the converted HTML → the role its text is set in
# (print.css: .level1 黑体, .level2 楷体, .level3 body bold, th 黑体)
ELEMENT_ROLES = {"level1": "heading1", "level2": "heading2", "level3": "heading3", "th": "heading1"}
VOID_TAGS = frozenset({"br", "img", "hr", "wbr", "input", "meta", "link", "col", "source"})


@dataclass(frozen=True, slots=True)
class FontFace:
    """One installed face: the file fontconfig would use for a family, and its index in a TTC."""

    family: str
    path: str
    index: int


def css_stacks(fonts: Fonts) -> dict[str, Markup]:
    """{role: '"FandolFang", "FandolKai", "LXGW WenKai", "Noto Serif CJK SC"'}: the role's fonts,
    then those of the closest styles, quoted for a <style> block of the template."""
    stacks = {}
    for role in ROLES:
        names = []
        for family in fallback_families(fonts, role):
            # a family name is data from site.yaml: keep it from closing the CSS string or tag
            cleaned = "".join(c for c in family if c not in '"\\<>\n\r')
            names.append(f'"{cleaned}"')
        stacks[role] = Markup(", ".join(names))
    return stacks


def fallback_families(fonts: Fonts, role: str) -> list[str]:
    """A role's own families, then those of the closest styles (CLOSEST_STYLE), once each."""
    families = [*getattr(fonts, role)]
    for other in CLOSEST_STYLE[role]:
        families += [family for family in getattr(fonts, other) if family not in families]
    return families


def resolve_faces(config: SiteConfig, report: Report) -> dict[str, tuple[FontFace, ...]]:
    """The installed face of each configured family, by role; warn about families not installed."""
    installed = _installed_faces()
    resolved = {}
    for role in ROLES:
        faces = []
        for family in getattr(config.fonts, role):
            candidates = installed.get(family.casefold())
            if not candidates:
                report.warn(config.root / "site.yaml", _line_of(config.root / "site.yaml", family),
                            "fonts", f"{role}: font family '{family}' is not installed "
                            "(run tools/install-fonts.sh)")
                continue
            weight = 200 if role in BOLD_ROLES else 80  # fontconfig: 80 regular, 200 bold
            path, index, _ = min(candidates, key=lambda face: (abs(face[2] - weight), face[0]))
            faces.append(FontFace(family, path, index))
        resolved[role] = tuple(faces)
    return resolved


def faces_signature(resolved: dict[str, tuple[FontFace, ...]]) -> list[list]:
    """What identifies the font files for the print cache key: path, index, size, mtime."""
    signature = []
    for role in ROLES:
        for face in resolved[role]:
            stat = os.stat(face.path)
            signature.append([role, face.path, face.index, stat.st_size, stat.st_mtime_ns])
    return signature


def check_coverage(config: SiteConfig, issue: Issue, resolved: dict[str, tuple[FontFace, ...]],
                   report: Report) -> None:
    """Warn once per (file, character) that no configured font of its role has, naming the
    font of the closest style that sets it instead (CLOSEST_STYLE), or saying none does."""
    seen = set()
    for path, label, role, text in _texts(config, issue):
        if not resolved[role]:
            continue  # no face of the role is installed: resolve_faces said so once
        for char in sorted(set(text)):
            if (path, char) in seen or unicodedata.category(char)[0] in "CZ":
                continue  # spaces and format characters draw no glyph
            if any(_maps(_coverage(face), ord(char)) for face in resolved[role]):
                continue
            seen.add((path, char))
            families = "、".join(getattr(config.fonts, role)) or "none configured"
            fallback = next((face.family for other in CLOSEST_STYLE[role] for face in resolved[other]
                             if _maps(_coverage(face), ord(char))), None)
            outcome = (f"it is set in {fallback}, the closest style that has it" if fallback
                       else "no font of a close style has it either; it would print in whatever "
                       "font the system finds, or as a blank box")
            report.warn(path, _line_of(_absolute(config.root, path), char), "font",
                        f"{label}: '{char}' (U+{ord(char):04X}) is in none of the {role} fonts "
                        f"({families}); {outcome}")


def _texts(config: SiteConfig, issue: Issue):
    """(source path, label, role, text) for everything the print template sets in type."""
    site_yaml = config.root / "site.yaml"
    yield site_yaml, "site.yaml", "title", config.title + config.title_roman
    imprint = config.publisher + config.editor_printer + config.address + config.phone
    yield site_yaml, "site.yaml", "body", imprint + "主管主办单位编辑印刷地址电话：（）"
    running_heads = config.title + issue.label + "".join(s.name for s in issue.sections)
    yield site_yaml, "site.yaml", "page_number", running_heads + "— 0123456789"
    yield issue.path, issue.label, "title", f"{issue.year}第{issue.number}期（总第{issue.total}期）"
    yield issue.path, issue.label, "heading1", "目录【】" + "".join(s.name for s in issue.sections)
    yield issue.path, issue.label, "body", "年月日编印（）0123456789"
    for doc in issue.documents:
        label = f"《{doc.title}》"
        yield doc.path, label, "title", doc.title
        yield doc.path, label, "body", doc.number + doc.issuer + (doc.disclosure or "") + "（）"
        yield from _html_texts(doc, label, doc.html)
        for part in doc.parts:
            yield doc.path, label, "title", part.title
            yield doc.path, label, "heading1", part.label
            yield from _html_texts(doc, label, part.html)


def _html_texts(doc: Document, label: str, html: str):
    collector = _RoleText()
    collector.feed(html)
    collector.close()
    for role, chunks in collector.texts.items():
        yield doc.path, label, role, "".join(chunks)


class _RoleText(HTMLParser):
    """Collects the text of converted HTML by the role its enclosing element is set in."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str]] = [("", "body")]
        self.texts: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        if tag in VOID_TAGS:
            return
        role = self.stack[-1][1]
        for name in [tag, *(dict(attrs).get("class") or "").split()]:
            role = ELEMENT_ROLES.get(name, role)
        self.stack.append((tag, role))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.texts.setdefault(self.stack[-1][1], []).append(data)


def _maps(ranges: tuple[list[int], list[int]], code: int) -> bool:
    starts, ends = ranges
    index = bisect.bisect_right(starts, code) - 1
    return index >= 0 and code <= ends[index]


def _coverage(face: FontFace) -> tuple[list[int], list[int]]:
    stat = os.stat(face.path)
    return _coverage_of(face.path, face.index, stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=None)
def _coverage_of(path: str, index: int, size: int, mtime_ns: int) -> tuple[list[int], list[int]]:
    """The code points a face maps, as sorted (starts, ends) of ranges: a CJK font maps ~45,000
    code points in ~2,000 runs. HarfBuzz (already loaded by WeasyPrint) reads them from the cmap
    in ~2 ms a font; fontTools took 70 ms for a Noto CJK collection."""
    hb = _harfbuzz()
    blob = hb.hb_blob_create_from_file(path.encode())
    face = hb.hb_face_create(blob, index)
    codes = hb.hb_set_create()
    try:
        hb.hb_face_collect_unicodes(face, codes)
        first, last = _ffi().new("hb_codepoint_t *", _HB_INVALID), _ffi().new("hb_codepoint_t *")
        starts, ends = [], []
        while hb.hb_set_next_range(codes, first, last):
            starts.append(first[0])
            ends.append(last[0])
        return starts, ends
    finally:
        hb.hb_set_destroy(codes)
        hb.hb_face_destroy(face)
        hb.hb_blob_destroy(blob)


def title_width(config: SiteConfig):
    """text → its width in ems in the title face, or an estimate when none is installed."""
    from .titles import approximate_width
    for family in config.fonts.title:
        candidates = _installed_faces().get(family.casefold())
        if candidates:
            path, index, _ = min(candidates, key=lambda face: (abs(face[2] - 200), face[0]))
            return advance_width(FontFace(family, path, index), config.root)
    return approximate_width


def advance_width(face: FontFace, root: Path | None = None):
    """text → its width in ems in this face (nominal advances, no kerning: CJK titles have
    none); a character the face lacks counts one em. With the site's `root`, the advances
    measured by earlier builds are read from its `.gazette-cache/advances/`, so that HarfBuzz
    (and cffi, ~0.1 s to load) is loaded only for a character never measured in this face;
    `keep_advances` stores the new ones."""
    stat = os.stat(face.path)
    signature = (face.path, face.index, stat.st_size, stat.st_mtime_ns)
    known = _known_advances(root, signature)

    def width(text: str) -> float:
        total = 0.0
        for char in text:
            value = known.get(char)
            if value is None:
                value = known[char] = _advances_of(*signature)(char)
                if root is not None:
                    _unsaved.add((root, signature))
            total += value
        return total
    return width


ADVANCES = Path(".gazette-cache") / "advances"
_unsaved: set[tuple[Path, tuple]] = set()  # (site, face signature) with advances not stored yet


@lru_cache(maxsize=16)
def _known_advances(root: Path | None, signature: tuple) -> dict[str, float]:
    """The advances stored for this face (its path, index, size and time), if the file's sha256
    matches them; else none (a damaged file is measured again and rewritten)."""
    if root is None:
        return {}
    try:
        stored = json.loads(_advances_file(root, signature).read_text(encoding="utf-8"))
        advances = stored["advances"]
        if stored["signature"] == list(signature) and stored["sha256"] == _digest(advances):
            return {char: float(value) for char, value in advances.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    return {}


def keep_advances() -> None:
    """Store the advances measured since the last call (atomically: a reader sees the old file
    or the new one); a site that cannot be written measures them again next time."""
    for root, signature in list(_unsaved):
        advances = _known_advances(root, signature)
        path = _advances_file(root, signature)
        text = json.dumps({"signature": list(signature), "advances": advances,
                           "sha256": _digest(advances)}, ensure_ascii=False)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, path)
        except OSError:
            pass
    _unsaved.clear()


def _advances_file(root: Path, signature: tuple) -> Path:
    name = hashlib.sha256(repr(signature).encode()).hexdigest()[:16]
    return root / ADVANCES / f"{name}.json"


def _digest(advances: dict[str, float]) -> str:
    return hashlib.sha256(json.dumps(advances, sort_keys=True).encode()).hexdigest()


@lru_cache(maxsize=8)
def _advances_of(path: str, index: int, size: int, mtime_ns: int):
    hb = _harfbuzz()
    blob = hb.hb_blob_create_from_file(path.encode())
    face = hb.hb_face_create(blob, index)
    font = hb.hb_font_create(face)
    upem = hb.hb_face_get_upem(face) or 1000
    glyph = _ffi().new("hb_codepoint_t *")

    @lru_cache(maxsize=None)
    def advance(char: str) -> float:
        if not hb.hb_font_get_nominal_glyph(font, ord(char), glyph):
            return 1.0
        return hb.hb_font_get_glyph_h_advance(font, glyph[0]) / upem

    advance.keep = (blob, face, font)  # the HarfBuzz objects live as long as the function
    return advance


_DECLARATIONS = """
    typedef struct hb_blob_t hb_blob_t;
    typedef struct hb_face_t hb_face_t;
    typedef struct hb_set_t hb_set_t;
    typedef uint32_t hb_codepoint_t;
    typedef int hb_bool_t;
    hb_blob_t *hb_blob_create_from_file (const char *file_name);
    hb_face_t *hb_face_create (hb_blob_t *blob, unsigned int index);
    hb_set_t *hb_set_create (void);
    void hb_face_collect_unicodes (hb_face_t *face, hb_set_t *out);
    hb_bool_t hb_set_next_range (const hb_set_t *set, hb_codepoint_t *first,
                                 hb_codepoint_t *last);
    typedef struct hb_font_t hb_font_t;
    typedef int32_t hb_position_t;
    hb_font_t *hb_font_create (hb_face_t *face);
    void hb_font_destroy (hb_font_t *font);
    unsigned int hb_face_get_upem (const hb_face_t *face);
    hb_bool_t hb_font_get_nominal_glyph (hb_font_t *font, hb_codepoint_t unicode,
                                         hb_codepoint_t *glyph);
    hb_position_t hb_font_get_glyph_h_advance (hb_font_t *font, hb_codepoint_t glyph);
    void hb_set_destroy (hb_set_t *set);
    void hb_face_destroy (hb_face_t *face);
    void hb_blob_destroy (hb_blob_t *blob);
"""
_HB_INVALID = 0xFFFFFFFF  # HB_SET_VALUE_INVALID: start of an hb_set_next_range walk


@lru_cache(maxsize=1)
def _ffi():
    """cffi and its C parser take ~0.1 s to load: paid only when a coverage is computed, never
    by a build whose PDFs all come from the print cache."""
    import cffi

    ffi = cffi.FFI()
    ffi.cdef(_DECLARATIONS)
    return ffi


@lru_cache(maxsize=1)
def _harfbuzz():
    for name in ("libharfbuzz.so.0", "harfbuzz", "libharfbuzz.0.dylib", "libharfbuzz-0.dll"):
        try:
            return _ffi().dlopen(name)
        except OSError:
            continue
    raise OSError("HarfBuzz not found (WeasyPrint needs it too)")


@lru_cache(maxsize=1)
def _installed_faces() -> dict[str, list[tuple[str, int, int]]]:
    """{family (casefolded): [(file, index, weight)]} from one `fc-list` call."""
    try:
        listing = subprocess.run(
            ["fc-list", "--format", "%{file}\t%{index}\t%{weight}\t%{family}\n"],
            capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return {}
    faces: dict[str, list[tuple[str, int, int]]] = {}
    for row in listing.splitlines():
        path, index, weight, families = row.split("\t", 3)
        weight = int(weight.strip("[]").split()[0]) if weight else 80  # variable fonts: [a b]
        for family in families.split(","):
            faces.setdefault(family.strip().casefold(), []).append((path, int(index or 0), weight))
    return faces


def _absolute(root: Path, path: Path) -> Path:
    return path if path.is_absolute() else root / path


def _line_of(path: Path, needle: str) -> int:
    """The first line of a source file holding `needle`, else 1 (the file as a whole)."""
    try:
        with open(path, encoding="utf-8") as source:
            for number, line in enumerate(source, start=1):
                if needle in line:
                    return number
    except (OSError, UnicodeDecodeError):
        pass
    return 1
