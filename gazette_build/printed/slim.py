"""Fonts that weigh what a PDF shows.

WeasyPrint embeds each face as a whole OpenType file subset with the original glyph numbering
kept (HarfBuzz's RETAIN_GIDS): a title set in Noto Serif CJK with ~100 characters still carries
63,000 empty glyph slots and two 250 KB metrics tables, and every page of an issue shares one
resource dictionary, so a document cut out of it carried every font of the issue (1.16 MB for
a one-page notice).

Here each embedded face is replaced by a bare CFF program (`/FontFile3 /CIDFontType0C`, the
PDF's own form for CID-keyed CFF) holding only the glyphs the PDF's pages draw. The PDF's text
addresses glyphs by CID; HarfBuzz keeps each glyph's CID in the subset's charset, so the page
content streams stay byte for byte as WeasyPrint wrote them (widths come from the PDF's /W, the
text from its ToUnicode map, neither of which the font program provides).
"""
from __future__ import annotations

from functools import lru_cache

import cffi
import pikepdf

# glyph usage: {font's /BaseFont: CIDs drawn with it}. The name, not the object, identifies a
# font: it is unique within WeasyPrint's PDF (a subset tag + family) and survives the copy of
# a page into a document's PDF
Usage = dict[str, set[int]]

_TEXT_OPERATORS = "Tf Tj TJ ' \" Do"


def glyph_usage(pages) -> list[Usage]:
    """The CIDs each page draws, per font (form XObjects followed)."""
    return [_usage_of(page.obj, page.obj.get("/Resources")) for page in pages]


def union(usages) -> Usage:
    total: Usage = {}
    for usage in usages:
        for font, cids in usage.items():
            total.setdefault(font, set()).update(cids)
    return total


def compact_fonts(pdf: pikepdf.Pdf, usage: Usage) -> None:
    """Replace every embedded CID-keyed CFF face of `pdf` by a subset holding the glyphs
    `usage` names; faces of another kind are left as they are."""
    for font in _type0_fonts(pdf):
        descendant = font.DescendantFonts[0]
        descriptor = descendant.get("/FontDescriptor")
        program = descriptor.get("/FontFile3") if descriptor is not None else None
        if program is None or program.get("/Subtype") != "/OpenType" \
                or descendant.get("/Subtype") != "/CIDFontType0":
            continue
        cids = usage.get(str(font.BaseFont), set())
        cff = _subset_cff(program.read_bytes(), sorted(cids | {0}))
        if cff is None:  # HarfBuzz could not subset it: keep WeasyPrint's program
            continue
        stream = pikepdf.Stream(pdf, cff)
        stream.Subtype = pikepdf.Name.CIDFontType0C
        descriptor.FontFile3 = pdf.make_indirect(stream)


def _type0_fonts(pdf: pikepdf.Pdf):
    seen = set()
    for page in pdf.pages:
        fonts = page.obj.get("/Resources", {}).get("/Font", {})
        for font in fonts.values():
            if font.objgen not in seen and font.get("/Subtype") == "/Type0":
                seen.add(font.objgen)
                yield font


def _usage_of(owner, resources) -> Usage:
    usage: Usage = {}
    fonts = resources.get("/Font", {}) if resources is not None else {}
    xobjects = resources.get("/XObject", {}) if resources is not None else {}
    current = None
    for operands, operator in pikepdf.parse_content_stream(owner, _TEXT_OPERATORS):
        name = str(operator)
        if name == "Tf":
            current = fonts.get(str(operands[0]))
        elif name == "Do":
            form = xobjects.get(str(operands[0]))
            if form is not None and form.get("/Subtype") == "/Form":
                for font, cids in _usage_of(form, form.get("/Resources", resources)).items():
                    usage.setdefault(font, set()).update(cids)
        elif current is not None and current.get("/Subtype") == "/Type0":
            # Identity-H: two bytes a CID; TJ takes an array of strings and kerning numbers
            strings = operands[0] if name == "TJ" else (operands[-1],)
            cids = usage.setdefault(str(current.BaseFont), set())
            for item in strings:
                if isinstance(item, pikepdf.String):
                    data = bytes(item)
                    cids.update(int.from_bytes(data[i:i + 2], "big")
                                for i in range(0, len(data) - 1, 2))
    return usage


_FFI = cffi.FFI()
_FFI.cdef("""
    typedef struct hb_blob_t hb_blob_t;
    typedef struct hb_face_t hb_face_t;
    typedef struct hb_set_t hb_set_t;
    typedef struct hb_subset_input_t hb_subset_input_t;
    typedef uint32_t hb_codepoint_t;
    typedef uint32_t hb_tag_t;
    hb_blob_t *hb_blob_create (const char *data, unsigned int length, int mode,
                               void *user_data, void *destroy);
    hb_face_t *hb_face_create (hb_blob_t *blob, unsigned int index);
    hb_blob_t *hb_face_reference_table (const hb_face_t *face, hb_tag_t tag);
    const char *hb_blob_get_data (hb_blob_t *blob, unsigned int *length);
    void hb_set_add (hb_set_t *set, hb_codepoint_t codepoint);
    void hb_face_destroy (hb_face_t *face);
    void hb_blob_destroy (hb_blob_t *blob);
    hb_subset_input_t *hb_subset_input_create_or_fail (void);
    void hb_subset_input_destroy (hb_subset_input_t *input);
    hb_set_t *hb_subset_input_glyph_set (hb_subset_input_t *input);
    void hb_subset_input_set_flags (hb_subset_input_t *input, unsigned int value);
    hb_face_t *hb_subset_or_fail (hb_face_t *source, const hb_subset_input_t *input);
""")
_MEMORY_MODE_DUPLICATE = 0
_NO_HINTING = 0x1  # HB_SUBSET_FLAGS_NO_HINTING; without RETAIN_GIDS glyphs are renumbered
_CFF = int.from_bytes(b"CFF ", "big")


@lru_cache(maxsize=1)
def _libraries():
    return _FFI.dlopen("libharfbuzz.so.0"), _FFI.dlopen("libharfbuzz-subset.so.0")


def _subset_cff(program: bytes, cids: list[int]) -> bytes | None:
    """The CFF table of the OpenType `program` cut down to `cids`, or None.

    In WeasyPrint's subsets a glyph's id is its CID (the numbering is kept, the charset is the
    identity); HarfBuzz renumbers the glyphs it keeps and records their CIDs in the charset."""
    hb, subset = _libraries()
    blob = hb.hb_blob_create(program, len(program), _MEMORY_MODE_DUPLICATE, _FFI.NULL, _FFI.NULL)
    face = hb.hb_face_create(blob, 0)
    plan = subset.hb_subset_input_create_or_fail()
    result = _FFI.NULL
    try:
        glyphs = subset.hb_subset_input_glyph_set(plan)
        for cid in cids:
            hb.hb_set_add(glyphs, cid)
        subset.hb_subset_input_set_flags(plan, _NO_HINTING)
        result = subset.hb_subset_or_fail(face, plan)
        if result == _FFI.NULL:
            return None
        table = hb.hb_face_reference_table(result, _CFF)
        length = _FFI.new("unsigned int *")
        data = bytes(_FFI.buffer(hb.hb_blob_get_data(table, length), length[0]))
        hb.hb_blob_destroy(table)
        return data or None
    finally:
        if result != _FFI.NULL:
            hb.hb_face_destroy(result)
        subset.hb_subset_input_destroy(plan)
        hb.hb_face_destroy(face)
        hb.hb_blob_destroy(blob)
