"""Read a Word .docx package into paragraphs and tables, in the order they stand in the file.

A .docx is a ZIP of XML parts: word/document.xml (the text), word/numbering.xml (automatic
numbering), word/styles.xml (which styles number or centre their paragraphs), relationships
(images) and word/footnotes.xml. This module only reads: what a paragraph's numbering shows is
numbering.py's job, what the paragraphs mean is recognise.py's. What the import cannot place
(a text box, a footnote, an unknown field, an equation, an embedded object) is recorded as a
problem of the paragraph it stands in, never dropped silently.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
V = "urn:schemas-microsoft-com:vml"
M = "http://schemas.openxmlformats.org/officeDocument/2006/math"
ASVG = "http://schemas.microsoft.com/office/drawing/2016/SVG/main"  # Word's SVG beside its PNG
STRICT_W = "http://purl.oclc.org/ooxml/wordprocessingml/main"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
FIELDS_KEPT = {"HYPERLINK"}  # fields whose shown text is all there is to them
LEVELS = 9  # Word's list levels are 0–8 (w:ilvl)
# characters that end a line, for Markdown (\r, \n) or for Python's and YAML's reading of text;
# typed into a run's text (&#13;), Word shows them as line breaks, and so are they read (`\n`,
# as a <w:br/>): written as they were, the text after one became a heading or a part
LINE_ENDINGS = "\r\n\v\f\x85\u2028\u2029"
AS_BREAKS = str.maketrans(dict.fromkeys(LINE_ENDINGS, "\n"))


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def integer(element: etree._Element, attribute: str = "val", default: str = "0") -> int:
    """A number of the file (w:val, w:ilvl…); ValueError when it is not one as Word writes them:
    ten digits at most, as Word's numbers are 32-bit (Python reads no more than 4,300 digits, and
    writes none of more, so a larger one would fail later, where it is not caught)."""
    value = element.get(w(attribute), default)
    if not re.fullmatch(r"\s*-?\d{1,10}\s*", value):
        shown = value[:20] + ("…" if len(value) > 20 else "")
        raise ValueError(f'<w:{etree.QName(element).localname} w:{attribute}="{shown}"> is not '
                         "a number")
    return int(value)


class DocxError(Exception):
    """The file cannot be read as a Word document; the message says why and what to do."""


@dataclass
class Paragraph:
    """One w:p: its text, how Word lays it out, and what in it could not be imported."""

    number: int  # 1-based position among all paragraphs of the file (tables' included)
    text: str = ""
    style: str = ""
    numbering: tuple[str, int] | None = None  # (numId, ilvl), from the paragraph or its style
    centered: bool = False
    right: bool = False
    new_page: bool = False  # starts on a new page (a part of the 公文: an attachment)
    images: list[str] = field(default_factory=list)  # package part names, in order
    problems: list[tuple[str, str]] = field(default_factory=list)  # (kind, message)


@dataclass
class TableCell:
    paragraphs: list[Paragraph]
    span: int = 1  # w:gridSpan
    merge: str | None = None  # w:vMerge: "restart", "continue" or None


@dataclass
class Table:
    number: int  # the paragraph number of its first cell paragraph
    rows: list[list[TableCell]]
    header_rows: int = 0  # rows marked 标题行重复 (w:tblHeader)
    new_page: bool = False


@dataclass
class WordFile:
    """Everything the importer uses from one .docx."""

    path: Path
    blocks: list[Paragraph | Table]
    numbering_xml: etree._Element | None
    styles: dict[str, dict]
    images: dict[str, bytes]  # part name → bytes, for the images the text shows
    descriptions: dict[str, str] = field(default_factory=dict)  # part name → Word's alt text


def read(path: Path) -> WordFile:
    """Open and read a .docx; raise DocxError with a clear message when it is not one."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocxError(f"cannot be read: {exc.strerror or exc}") from None
    if data.startswith(OLE_MAGIC):
        if ENCRYPTED_STREAM in data:
            raise DocxError("is password-protected (encrypted); remove the password in Word "
                            "(文件 → 信息 → 保护文档 → 用密码进行加密, empty) and save it again")
        raise DocxError("is an old Word 97–2003 .doc file; open it in Word and save it as "
                        "Word 文档 (.docx)")
    try:
        package = zipfile.ZipFile(path)
        _check_sizes(package)
        names = set(package.namelist())
        main = _main_part(package, names)
        root = _xml(package, main)
        if root.tag == f"{{{STRICT_W}}}document":
            raise DocxError("is saved as Strict Open XML; save it as Word 文档 (.docx)")
        if root.tag != w("document"):
            raise DocxError(f"{main} is not a Word document body")
        folder = posixpath.dirname(main)
        rels = _relationships(package, names, main)
        numbering = _optional_xml(package, names, posixpath.join(folder, "numbering.xml"))
        styles = _styles(_optional_xml(package, names, posixpath.join(folder, "styles.xml")))
        notes = _notes(package, names, folder)
        reader = _BodyReader(styles, rels, notes, folder)
        body = root.find(w("body"))
        blocks = reader.blocks(body if body is not None else root)
        images = {}
        for name in reader.image_parts:
            if name in names:
                images[name] = _part(package, name)
        _originals(package, names, reader.vectors, images)
    except (zipfile.BadZipFile, zlib.error) as exc:  # zlib: a part's packed bytes are damaged
        raise DocxError(f"is not a Word .docx file (not a readable ZIP package: {exc}); "
                        "save it from Word as .docx") from None
    except etree.XMLSyntaxError as exc:
        raise DocxError(f"is damaged: its XML does not parse ({exc})") from None
    except (KeyError, zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError) as exc:
        raise DocxError(f"is damaged or not a Word document ({exc})") from None
    return WordFile(path, blocks, numbering, styles, images, reader.descriptions)


def _originals(package: zipfile.ZipFile, names: set[str],
               vectors: list[tuple[Paragraph, str, str]], images: dict[str, bytes]) -> None:
    """A picture Word keeps as an SVG with a PNG copy is imported as the SVG (drawn sharp in
    print and on screen; the file is named by what it holds), where the web edition publishes
    it (`svgclean`); else its PNG copy, and the paragraph says why."""
    from .. import svgclean

    for para, copy, original in vectors:
        if copy not in images or original not in names:
            continue
        vector = _part(package, original)
        published, removed = svgclean.clean(vector)
        if published is not None:
            images[copy] = vector
        else:
            why = removed[0].removesuffix("; it is not published")
            para.problems.append(("image", f"a picture's SVG original is not imported ({why}); "
                                  "its PNG copy is"))


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
# what a part and the whole package may unpack to: an office's document with its pictures is a
# few MB; a 3 MB file whose picture unpacked to 3 GB was read whole and written into content/
MAX_PART = 64 << 20
MAX_PACKAGE = 256 << 20
# and what its XML may hold: each element parsed takes ~200 bytes, and 60 MB of empty paragraphs
# (a 128 KB file) took 1.9 GB and a MemoryError
MAX_ELEMENTS = 2_000_000


def _check_sizes(package: zipfile.ZipFile) -> None:
    """Refuse, before anything is unpacked, a package that says it unpacks beyond the limits
    or holds an encrypted part (`_part` holds each part to its limit whatever it says)."""
    parts = package.infolist()
    for info in parts:
        if info.flag_bits & 0x1:
            raise DocxError(f"is password-protected ({info.filename} is encrypted); remove the "
                            "password in Word and save it again")
        if info.file_size > MAX_PART:
            raise DocxError(_too_large(info.filename, info.file_size))
    if sum(info.file_size for info in parts) > MAX_PACKAGE:
        raise DocxError(f"is too large to import: its parts unpack to "
                        f"{sum(info.file_size for info in parts) >> 20:,} MB, more than "
                        f"{MAX_PACKAGE >> 20} MB; save its pictures smaller")


def _too_large(name: str, size: int) -> str:
    return (f"is too large to import: {name} unpacks to {size >> 20:,} MB or more, more than "
            f"{MAX_PART >> 20} MB; save its pictures smaller")


def _part(package: zipfile.ZipFile, name: str) -> bytes:
    """A part's bytes, read no further than the limit (the size a package gives is its word)."""
    with package.open(name) as stream:
        data = stream.read(MAX_PART + 1)
    if len(data) > MAX_PART:
        raise DocxError(_too_large(name, len(data)))
    return data


def _xml(package: zipfile.ZipFile, name: str) -> etree._Element:
    data = _part(package, name)
    # every start tag, empty element and comment (an end tag is no element): found in C
    elements = data.count(b"<") - data.count(b"</")
    if elements > MAX_ELEMENTS:
        raise DocxError(f"is too large to import: {name} holds ~{elements:,} XML elements, more "
                        f"than the {MAX_ELEMENTS:,} a document may (a 300-page report holds a few "
                        "hundred thousand); split it into several files")
    root = etree.fromstring(data, _PARSER)
    if root.getroottree().docinfo.doctype:  # its entities are not expanded: text would be lost
        raise DocxError(f"is not as Word writes it: {name} declares a DOCTYPE (entities); open "
                        "it in Word and save it again")
    return root


def _optional_xml(package, names, name) -> etree._Element | None:
    return _xml(package, name) if name in names else None


def _main_part(package: zipfile.ZipFile, names: set[str]) -> str:
    """The document part named by the package relationships (word/document.xml in practice)."""
    if "_rels/.rels" in names:
        for rel in _xml(package, "_rels/.rels").iter(f"{{{PACKAGE_RELS}}}Relationship"):
            if rel.get("Type", "").endswith("/officeDocument"):
                target = rel.get("Target", "").lstrip("/")
                if target in names:
                    return target
    if "word/document.xml" in names:
        return "word/document.xml"
    raise DocxError("is a ZIP file but not a Word document (it has no word/document.xml)")


def _relationships(package, names, part: str) -> dict[str, str]:
    """Relationship id → target part name, for the images the text refers to."""
    folder, base = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    if rels_name not in names:
        return {}
    targets = {}
    for rel in _xml(package, rels_name).iter(f"{{{PACKAGE_RELS}}}Relationship"):
        if rel.get("TargetMode") == "External":
            targets[rel.get("Id")] = "external:" + rel.get("Target", "")
        else:
            targets[rel.get("Id")] = posixpath.normpath(posixpath.join(folder, rel.get("Target", "")))
    return targets


def _styles(root: etree._Element | None) -> dict[str, dict]:
    """styleId → what the importer needs of a paragraph style: based-on, numbering, alignment."""
    styles: dict[str, dict] = {}
    if root is None:
        return styles
    for style in root.iter(w("style")):
        if style.get(w("type")) != "paragraph":
            continue
        info: dict = {"default": style.get(w("default")) in ("1", "true")}
        based = style.find(w("basedOn"))
        info["based_on"] = based.get(w("val")) if based is not None else None
        name = style.find(w("name"))
        info["name"] = name.get(w("val")) if name is not None else ""
        ppr = style.find(w("pPr"))
        if ppr is not None:
            info.update(_paragraph_properties(ppr))
        styles[style.get(w("styleId"))] = info
    return styles


def _paragraph_properties(ppr: etree._Element) -> dict:
    props: dict = {}
    numpr = ppr.find(w("numPr"))
    if numpr is not None:
        num_id, ilvl = numpr.find(w("numId")), numpr.find(w("ilvl"))
        if num_id is not None:
            props["num_id"] = num_id.get(w("val"))
        if ilvl is not None:
            props["ilvl"] = integer(ilvl)
    jc = ppr.find(w("jc"))
    if jc is not None:
        props["jc"] = jc.get(w("val"))
    page_break = ppr.find(w("pageBreakBefore"))
    if page_break is not None:
        props["page_break"] = page_break.get(w("val"), "true") not in ("0", "false")
    return props


def _notes(package, names, folder) -> dict[tuple[str, str], str]:
    """(kind, id) → text of each footnote and endnote, to quote them in the warning."""
    notes = {}
    for kind in ("footnote", "endnote"):
        name = posixpath.join(folder, f"{kind}s.xml")
        if name not in names:
            continue
        for note in _xml(package, name).iter(w(kind)):
            notes[(kind, note.get(w("id")))] = "".join(note.itertext()).strip()
    return notes


def excerpt(text: str, length: int = 20) -> str:
    text = " ".join(text.split())
    return f"“{text[:length]}{'…' if len(text) > length else ''}”"


class _BodyReader:
    """Walks document.xml in order, numbering paragraphs as it goes."""

    def __init__(self, styles, rels, notes, folder):
        self.styles, self.rels, self.notes, self.folder = styles, rels, notes, folder
        self.count = 0
        self.break_pending = False  # a page break at the end of the previous paragraph
        self.image_parts: list[str] = []
        self.descriptions: dict[str, str] = {}
        # (paragraph, PNG part, SVG part): the pictures Word keeps as an SVG with a PNG copy
        self.vectors: list[tuple[Paragraph, str, str]] = []
        self.fields: list[dict] = []  # the complex fields open in the current paragraph
        self.default_style = next((k for k, v in styles.items() if v.get("default")), "")

    def blocks(self, container: etree._Element) -> list[Paragraph | Table]:
        found: list[Paragraph | Table] = []
        for child in container:
            if child.tag == w("p"):
                found.append(self.paragraph(child))
            elif child.tag == w("tbl"):
                found.append(self.table(child))
            elif child.tag in (w("sdt"), w("customXml")):  # content controls hold body text too
                content = child.find(w("sdtContent"))
                found.extend(self.blocks(content if content is not None else child))
            elif child.tag == f"{{{MC}}}AlternateContent":
                choice = child.find(f"{{{MC}}}Choice")
                if choice is not None:
                    found.extend(self.blocks(choice))
        return found

    # -- paragraphs ----------------------------------------------------------------------------
    def style_value(self, style: str, key: str):
        seen = set()
        while style and style not in seen:
            seen.add(style)
            info = self.styles.get(style, {})
            if key in info:
                return info[key]
            style = info.get("based_on")
        return None

    def paragraph(self, element: etree._Element) -> Paragraph:
        self.count += 1
        para = Paragraph(self.count, new_page=self.break_pending)
        self.break_pending = False
        ppr = element.find(w("pPr"))
        props = _paragraph_properties(ppr) if ppr is not None else {}
        style_el = ppr.find(w("pStyle")) if ppr is not None else None
        para.style = style_el.get(w("val")) if style_el is not None else self.default_style
        jc = props.get("jc") or self.style_value(para.style, "jc")
        para.centered = jc == "center"
        para.right = jc in ("right", "end")
        if props.get("page_break") or (props.get("page_break") is None and
                                       self.style_value(para.style, "page_break")):
            para.new_page = True
        num_id = props.get("num_id") or self.style_value(para.style, "num_id")
        if num_id and num_id != "0":
            ilvl = props.get("ilvl", self.style_value(para.style, "ilvl") or 0)
            if 0 <= ilvl < LEVELS:
                para.numbering = (num_id, ilvl)
            else:  # no level of Word's: numbering.py keeps none (N levels cost N² time)
                para.problems.append(("numbering", f"its list level (w:ilvl {ilvl}) is not one "
                                      "of Word's 0–8; imported without its number — type the "
                                      "number"))
        if ppr is not None and ppr.find(w("sectPr")) is not None:
            self.break_pending = True  # a section break: what follows starts a new page
        text: list[str] = []
        self.fields = []
        self.inline(element, para, text)
        para.text = "".join(text)
        return para

    def inline(self, element: etree._Element, para: Paragraph, text: list[str]) -> None:
        """Collect the shown text of a paragraph's content, noting what cannot be imported."""
        for child in element:
            tag = child.tag
            if tag == w("pPr") or tag == w("rPr"):
                continue
            if tag == w("r"):
                self.run(child, para, text)
            elif tag in (w("del"), w("moveFrom")):
                continue  # tracked deletions: the text as it stands is without them
            elif tag == w("fldSimple"):
                instr = " ".join((child.get(w("instr")) or "").split())
                shown: list[str] = []
                self.inline(child, para, shown)
                self.field_seen(instr, "".join(shown), para)
                text.extend(shown)
            elif tag in (f"{{{M}}}oMath", f"{{{M}}}oMathPara"):
                para.problems.append(("equation", "an equation is not imported; type it as "
                                      "text or insert it as an image"))
            elif tag == f"{{{MC}}}AlternateContent":
                choice = child.find(f"{{{MC}}}Choice")
                if choice is not None:
                    self.inline(choice, para, text)
            else:  # hyperlink, ins, smartTag, sdt, sdtContent, customXml, moveTo…
                self.inline(child, para, text)

    def run(self, run: etree._Element, para: Paragraph, text: list[str]) -> None:
        for child in run:
            tag = child.tag
            in_field_code = bool(self.fields) and self.fields[-1]["code"]
            if tag == w("t"):
                if in_field_code:
                    continue
                shown = (child.text or "").translate(AS_BREAKS)
                text.append(shown)
                if self.fields:
                    self.fields[-1]["shown"].append(shown)
            elif tag == w("instrText"):
                if self.fields:
                    self.fields[-1]["instr"].append(child.text or "")
            elif tag == w("fldChar"):
                kind = child.get(w("fldCharType"))
                if kind == "begin":
                    self.fields.append({"code": True, "instr": [], "shown": []})
                elif kind == "separate" and self.fields:
                    self.fields[-1]["code"] = False
                elif kind == "end" and self.fields:
                    done = self.fields.pop()
                    self.field_seen(" ".join("".join(done["instr"]).split()),
                                    "".join(done["shown"]), para)
            elif tag == w("tab") and not in_field_code:
                text.append("\t")
            elif tag in (w("br"), w("cr")) and not in_field_code:
                if child.get(w("type")) == "page":
                    if "".join(text).strip() or para.images:
                        self.break_pending = True
                    else:
                        para.new_page = True
                elif child.get(w("type")) != "column":
                    text.append("\n")
            elif tag == w("noBreakHyphen"):
                text.append("-")
            elif tag == w("sym"):
                code = child.get(w("char"), "")
                para.problems.append(("symbol", f"a symbol-font character ({child.get(w('font'))} "
                                      f"{code}) is not imported; type the character instead"))
            elif tag in (w("footnoteReference"), w("endnoteReference")):
                kind = "footnote" if tag == w("footnoteReference") else "endnote"
                note = self.notes.get((kind, child.get(w("id"))), "")
                para.problems.append((kind, f"a {kind} {excerpt(note, 40)} is not imported; "
                                      "the gazette has no footnotes — move its text into the body "
                                      "or into a 注："))
            elif tag == w("commentReference"):
                para.problems.append(("comment", "a Word comment (批注) is not imported"))
            elif tag in (w("drawing"), w("pict"), f"{{{MC}}}AlternateContent"):
                self.drawing(child, para, text)
            elif tag in (w("object"), w("embeddedObject")):
                para.problems.append(("object", "an embedded object (OLE: a chart, a worksheet…) "
                                      "is not imported; paste it as a picture or a table"))

    def field_seen(self, instr: str, shown: str, para: Paragraph) -> None:
        name = instr.split(" ")[0].upper() if instr else ""
        if name and name not in FIELDS_KEPT:
            para.problems.append(("field", f"the Word field {{{instr[:40]}}} is imported as the "
                                  f"text it showed {excerpt(shown)}; check it"))

    def drawing(self, element: etree._Element, para: Paragraph, text: list[str]) -> None:
        if element.tag == f"{{{MC}}}AlternateContent":  # the Choice and its Fallback are one thing
            choice = element.find(f"{{{MC}}}Choice")
            element = choice if choice is not None else element
        boxes = list(element.iter(w("txbxContent")))
        if boxes:
            inside = "".join("".join(box.itertext()) for box in boxes)
            para.problems.append(("text box", f"a text box {excerpt(inside, 30)} is not imported; "
                                  "move its text into the body"))
            return
        for blip in element.iter(f"{{{A}}}blip"):  # an SVG picture: Word shows its PNG copy
            vector = blip.find(f"{{{A}}}extLst/{{{A}}}ext/{{{ASVG}}}svgBlip")
            target = self.rels.get(blip.get(f"{{{R}}}embed") or "", "")
            original = self.rels.get(vector.get(f"{{{R}}}embed") or "", "") \
                if vector is not None else ""
            if target and original and not original.startswith("external:"):
                self.vectors.append((para, target, original))
        blips = [b.get(f"{{{R}}}embed") or b.get(f"{{{R}}}link") for b in element.iter(f"{{{A}}}blip")]
        blips += [i.get(f"{{{R}}}id") for i in element.iter(f"{{{V}}}imagedata")]
        blips = [b for b in blips if b]
        if not blips:
            para.problems.append(("drawing", "a drawing or shape (not a picture) is not imported"))
            return
        described = next((d for d in element.iter(f"{{{WP}}}docPr") if d.get("descr")), None)
        for rel_id in blips:
            target = self.rels.get(rel_id, "")
            if not target or target.startswith("external:"):
                para.problems.append(("image", f"a linked picture ({target[9:] or rel_id}) is not "
                                      "inside the Word file and is not imported; insert it"))
                continue
            para.images.append(target)
            self.image_parts.append(target)
            if described is not None:
                self.descriptions[target] = " ".join(described.get("descr").split())

    # -- tables --------------------------------------------------------------------------------
    def table(self, element: etree._Element) -> Table:
        table = Table(self.count + 1, [], new_page=self.break_pending)
        self.break_pending = False
        for tr in element.iter(w("tr")):
            if tr.getparent() is not element and tr.getparent().tag != w("sdtContent"):
                continue  # rows of a nested table belong to their cell
            trpr = tr.find(w("trPr"))
            if trpr is not None and trpr.find(w("tblHeader")) is not None and \
                    len(table.rows) == table.header_rows:
                table.header_rows += 1
            row = []
            for tc in tr.findall(w("tc")):
                tcpr = tc.find(w("tcPr"))
                span, merge = 1, None
                if tcpr is not None:
                    grid_span = tcpr.find(w("gridSpan"))
                    if grid_span is not None:
                        span = max(1, integer(grid_span, default="1"))
                    vmerge = tcpr.find(w("vMerge"))
                    if vmerge is not None:
                        merge = "restart" if vmerge.get(w("val")) == "restart" else "continue"
                paragraphs = []
                for block in self.blocks(tc):
                    if isinstance(block, Paragraph):
                        paragraphs.append(block)
                    else:  # a table inside a cell: its text is kept, its shape is not
                        inner = [p for r in block.rows for c in r for p in c.paragraphs]
                        if inner:
                            inner[0].problems.append(("table", "a table nested in a table "
                                                      "cell is imported as its cells' text"))
                        paragraphs.extend(inner)
                row.append(TableCell(paragraphs, span, merge))
            table.rows.append(row)
        return table
