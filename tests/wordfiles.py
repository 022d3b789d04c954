"""Word files for the import tests, made with python-docx the way the offices type a 公文.

`seed_to_docx` writes a shipped Markdown document out as such a Word file (文号, centred title,
body with typed numbering, tables, signature block right-aligned, parts on new pages), so that
importing it back can be compared with the original. The other helpers add what python-docx has
no API for: automatic numbering definitions, merged cells, text boxes, footnotes, fields.
"""
from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import yaml
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.opc.packuri import PackURI
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

CENTER, RIGHT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT


def cn_date(date) -> str:
    return f"{date.year}年{date.month}月{date.day}日"


def paragraph(doc, text: str = "", align=None, indent: bool = True):
    """A body paragraph as typed in Word: two full-width spaces of indentation."""
    para = doc.add_paragraph(("\u3000\u3000" if indent and align is None else "") + text)
    if align is not None:
        para.alignment = align
    return para


def page_break(doc) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def header(doc, number: str, title: str) -> None:
    paragraph(doc, number, CENTER)
    paragraph(doc, title, CENTER)


def signature(doc, issuer: str, date_text: str, disclosure: str | None = "此件公开发布") -> None:
    paragraph(doc, issuer, RIGHT)
    paragraph(doc, date_text, RIGHT)
    if disclosure:
        paragraph(doc, f"（{disclosure}）", indent=True)


def table(doc, rows: list[list[str]]):
    made = doc.add_table(rows=len(rows), cols=len(rows[0]))
    made.style = "Table Grid"
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            made.cell(r, c).text = text
    return made


def numbering_definition(doc, levels: list[tuple[str, str]], start: int = 1) -> str:
    """Add an abstract numbering with one (numFmt, lvlText) per level and an instance of it;
    return the instance's numId."""
    numbering = doc.part.numbering_part.element
    abstract_ids = [int(a.get(qn("w:abstractNumId"))) for a in numbering.findall(qn("w:abstractNum"))]
    num_ids = [int(n.get(qn("w:numId"))) for n in numbering.findall(qn("w:num"))]
    abstract_id, num_id = max(abstract_ids, default=0) + 1, max(num_ids, default=0) + 1
    lvls = "".join(f'<w:lvl w:ilvl="{i}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>'
                   f'<w:lvlText w:val="{text}"/><w:suff w:val="nothing"/></w:lvl>'
                   for i, (fmt, text) in enumerate(levels))
    abstract = parse_xml(f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">'
                         f'{lvls}</w:abstractNum>')
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId '
                               f'w:val="{abstract_id}"/></w:num>'))
    return str(num_id)


def restart_instance(doc, num_id: str, ilvl: int = 0, start: int = 1) -> str:
    """Another instance of num_id's abstract numbering that restarts level `ilvl` at `start`."""
    numbering = doc.part.numbering_part.element
    source = next(n for n in numbering.findall(qn("w:num")) if n.get(qn("w:numId")) == num_id)
    abstract_id = source.find(qn("w:abstractNumId")).get(qn("w:val"))
    new_id = max(int(n.get(qn("w:numId"))) for n in numbering.findall(qn("w:num"))) + 1
    numbering.append(parse_xml(
        f'<w:num {nsdecls("w")} w:numId="{new_id}"><w:abstractNumId w:val="{abstract_id}"/>'
        f'<w:lvlOverride w:ilvl="{ilvl}"><w:startOverride w:val="{start}"/></w:lvlOverride>'
        f'</w:num>'))
    return str(new_id)


def numbered(doc, text: str, num_id: str, ilvl: int = 0):
    """A paragraph numbered by Word (its label is not in its text)."""
    para = doc.add_paragraph(text)
    ppr = para._p.get_or_add_pPr()
    ppr.append(parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{ilvl}"/>'
                         f'<w:numId w:val="{num_id}"/></w:numPr>'))
    return para


def merge(made, a: tuple[int, int], b: tuple[int, int], text: str) -> None:
    """Merge the cells from a to b (python-docx writes gridSpan and vMerge) and set the text."""
    cell = made.cell(*a).merge(made.cell(*b))
    cell.text = text


def grid_span(cell, columns: int) -> None:
    """Say that `cell` spans `columns` grid columns (w:gridSpan), whatever the table holds."""
    cell._tc.get_or_add_tcPr().append(parse_xml(f'<w:gridSpan {nsdecls("w")} '
                                                f'w:val="{columns}"/>'))


def text_box(para, text: str) -> None:
    """A floating text box (wps:txbx inside mc:AlternateContent, as Word 2010+ writes it)."""
    run = para.add_run()
    run._r.append(parse_xml(
        f'<mc:AlternateContent {nsdecls("w")} '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        '<mc:Choice Requires="wps"><w:drawing><wps:wsp><wps:txbx><w:txbxContent>'
        f'<w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent></wps:txbx></wps:wsp>'
        '</w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent>'
        f'<w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback>'
        '</mc:AlternateContent>'))


def field(para, instruction: str, shown: str) -> None:
    """A complex field (begin, instruction, separate, shown text, end)."""
    for xml in (f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"/></w:r>',
                f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"> {instruction} '
                '</w:instrText></w:r>',
                f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>',
                f'<w:r {nsdecls("w")}><w:t>{shown}</w:t></w:r>',
                f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>'):
        para._p.append(parse_xml(xml))


def picture(doc, data: bytes, name: str, png: bytes):
    """A paragraph showing a picture whose part in the package is `name` (under word/) and holds
    `data`, whatever they are: python-docx adds `png` (it reads a picture's size), then the part
    is renamed and its bytes replaced, as a hand-made package can (a second picture of the
    same bytes as one before shares its part)."""
    para = doc.add_paragraph()
    with BytesIO(png) as stream:
        para.add_run().add_picture(stream)
    part = doc.part.related_parts[para._p.xpath(".//a:blip/@r:embed")[0]]
    part.partname, part._blob = PackURI(f"/word/{name}"), data
    return para


def svg_picture(doc, svg: bytes, png: bytes, name: str = "media/image_svg1.svg"):
    """A picture as Word keeps an SVG: its PNG copy in the blip, the SVG in a part of its own
    named by the blip's svgBlip extension."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.opc.part import Part

    para = doc.add_paragraph()
    with BytesIO(png) as stream:
        para.add_run().add_picture(stream)
    original = Part(PackURI(f"/word/{name}"), "image/svg+xml", svg, doc.part.package)
    relation = doc.part.relate_to(original, RELATIONSHIP_TYPE.IMAGE)
    blip = para._p.xpath(".//a:blip")[0]
    blip.append(parse_xml(
        f'<a:extLst {nsdecls("a", "r")}><a:ext uri="{{96DAC541-7B7A-43D3-8B79-37D633B846F1}}">'
        '<asvg:svgBlip xmlns:asvg="http://schemas.microsoft.com/office/drawing/2016/SVG/main" '
        f'r:embed="{relation}"/></a:ext></a:extLst>'))
    return para


def footnote_reference(para, note_id: int = 1) -> None:
    """A footnote call; the footnote part itself is added by `with_footnote` after saving."""
    para._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:footnoteReference w:id="{note_id}"/></w:r>'))


# -- the seed issue as Word files --------------------------------------------------------------

def split_document(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body


def seed_to_docx(source: Path, target: Path) -> None:
    """Write a shipped document as the office's Word file with typed numbering."""
    meta, body = split_document(source)
    doc = Document()
    header(doc, meta["number"], meta["title"])
    blocks = [b for b in re.split(r"\n\s*\n", body.strip()) if b.strip()]
    signed = False
    for block in blocks:
        if block.startswith("# "):
            if not signed:
                signature(doc, meta["issuer"], cn_date(meta["date"]), meta.get("disclosure"))
                signed = True
            page_break(doc)
            title = block[2:].strip()
            label = re.match(r"^(附件\d*)：(.+)$", title)
            if label:
                paragraph(doc, label[1], indent=False)
                paragraph(doc, label[2], CENTER)
            else:
                paragraph(doc, title, CENTER)
        elif block.startswith("|"):
            rows = [[c.strip() for c in line.strip().strip("|").split("|")]
                    for line in block.splitlines() if not re.match(r"^\|[-|: ]+\|$", line)]
            table(doc, rows)
        else:
            paragraph(doc, re.sub(r"^#{2,4} ", "", block))
    if not signed:
        signature(doc, meta["issuer"], cn_date(meta["date"]), meta.get("disclosure"))
    doc.save(target)
