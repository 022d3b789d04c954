"""SVG images are published without active content.

An SVG opened directly (not through `<img>`) runs its scripts with the gazette's origin, and can
load other files. What is published is never the file as drawn but the image read and written
out again, keeping only what is known to draw: elements of the SVG namespace (not its scripts,
`foreignObject`s or animations that rewrite links or handlers), attributes without a namespace
or of `xml:`/`xlink:`, references only to the image's own parts (`#id`), style that loads no
other file. Whatever the reading drops — processing instructions such as `<?xml-stylesheet?>`,
comments — is dropped from the published file too. The editor is told what was removed, except
the drawing programs' own notes (Inkscape's, RDF metadata), which never draw.

An SVG is refused (not published, with a warning) that is not UTF-8, declares a DOCTYPE or
entities (expansion without bound, other files read), is not well-formed XML, has no `<svg>` at
its root, nests deeper than `MAX_DEPTH` (writing it out again is one call per level), or draws
more than `MAX_DRAWN` elements once each `<use>` is counted as what it draws (3 KB of `<use>`s
of `<use>`s drew 10^8 and held the print layout for minutes) or a `<use>` draws itself. The
printed edition reads SVGs through the same cleaning (`printed/fetcher.py`).
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
# drawing programs' notes: removed without a word (every Inkscape file has them)
EDITORS_NS = ("http://www.inkscape.org/", "http://sodipodi.sourceforge.net/",
              "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://purl.org/dc/",
              "http://creativecommons.org/ns#", "http://web.resource.org/cc/",
              "http://ns.adobe.com/")
MAX_DEPTH = 200
MAX_DRAWN = 50_000  # a detailed map has a few thousand paths; 10^5 took WeasyPrint 19 s

ACTIVE_ELEMENTS = {"script", "foreignObject", "handler", "listener"}
ANIMATIONS = {"set", "animate", "animateTransform", "animateMotion"}
# style that can load a file, read once its escapes are decoded (`u\72l(` is `url(`): an import,
# or a function that takes an address, unless it names a part of the image itself (`url(#g)`)
LOADING_STYLE = re.compile(
    r"@import|\b(?:url|src|image|image-set|-webkit-image-set|cross-fade|element)"
    r"\s*\(\s*(?![\"']?\s*#)", re.IGNORECASE)
CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})[ \t\n]?|(.))", re.DOTALL)
# a DOCTYPE that only names the SVG DTD (matplotlib's, Illustrator's) is read as nothing; one
# with declarations of its own (`[<!ENTITY …`) is refused
DECLARATIONS = re.compile(r"<!DOCTYPE[^>\[]*\[|<!ENTITY")
# pictures an `<image>` may hold in itself: raster data only (no SVG, which could hold more)
EMBEDDED_PICTURE = re.compile(r"^data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$")
PROCESSING_INSTRUCTION = re.compile(r"<\?(?!xml\s)([^\s?>]{1,40})")


def _namespace(name: str) -> str:
    return name[1:].split("}", 1)[0] if name.startswith("{") else ""


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _editors(namespace: str) -> bool:
    return namespace.startswith(EDITORS_NS)


def _loads(style: str) -> bool:
    """Whether CSS text (a sheet, an attribute) can load a file, its escapes decoded."""
    if "\\" in style:
        style = CSS_ESCAPE.sub(lambda m: chr(min(int(m[1], 16), 0x10FFFF) or 0xFFFD) if m[1]
                               else m[2], style)
    return bool(LOADING_STYLE.search(style))


def clean(data: bytes) -> tuple[bytes | None, list[str]]:
    """(the bytes to publish, what was removed); (None, [why]) for an SVG that is refused."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, ["it is not UTF-8 text; it is not published"]
    if DECLARATIONS.search(text):
        return None, ["it declares entities, which can expand without bound or read other "
                      "files; it is not published"]
    try:
        root = ET.fromstring(text)  # read as text: an encoding it declares is not followed
    except ET.ParseError as exc:
        return None, [f"it is not well-formed XML ({exc}); it is not published"]
    if root.tag == "svg":
        return None, [f'its <svg> has no SVG namespace (xmlns="{SVG_NS}"): it is not drawn '
                      "as an image; it is not published"]
    if root.tag != f"{{{SVG_NS}}}svg":
        return None, [f"it is not an SVG image (its root element is <{_local(root.tag)}>); "
                      "it is not published"]
    if _markers_in_markers(root):
        return None, ["a marker in it draws markers (each level multiplies the drawing); it "
                      "is not published"]
    if _deeper_than(root, MAX_DEPTH):
        return None, [f"its elements nest more than {MAX_DEPTH} deep; it is not published"]
    removed = [f"the processing instruction <?{name}?>"
               for name in PROCESSING_INSTRUCTION.findall(text)]
    _clean_element(root, removed)
    drawn = _drawn(root, MAX_DRAWN)
    if drawn is None:
        return None, ["a <use> in it draws the element that holds it; it is not published"]
    if drawn > MAX_DRAWN:
        return None, [f"it draws more than {MAX_DRAWN:,} elements (each <use> counted as what "
                      "it draws); it is not published"]
    # registered again here: another module registering its own default namespace drops ours
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True), removed


def _deeper_than(root: ET.Element, limit: int) -> bool:
    stack = [(root, 1)]  # a walk of its own: one call per level would fail where writing fails
    while stack:
        element, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in element)
    return False


def _drawn(root: ET.Element, limit: int) -> int | None:
    """How many elements the image draws, each `<use>` counted as the element it names (its
    count once, however many `<use>`s name it); more than `limit` as soon as it is passed,
    None for a `<use>` inside what it names."""
    named: dict[str, list[ET.Element]] = {}
    for element in root.iter():
        if element.get("id"):
            named.setdefault(element.get("id").strip(), []).append(element)

    def parts(element: ET.Element) -> list[ET.Element]:
        """Its children, and for a `<use>` every element either of its links may name (a
        renderer takes one; counting all cannot count less than it draws)."""
        found = list(element)
        if _local(element.tag) == "use":
            for reference in (element.get("href"), element.get(f"{{{XLINK_NS}}}href")):
                reference = (reference or "").strip()
                if reference.startswith("#"):
                    found.extend(named.get(reference[1:].strip(), ()))
        return found

    counted: dict[int, int] = {}
    walking: set[int] = set()  # the elements from the root down to where the walk is
    stack = [(root, False)]
    while stack:  # a walk of its own: the `<use>` chains may be longer than Python's stack
        element, children_counted = stack.pop()
        if id(element) in counted:
            continue
        if children_counted:
            walking.discard(id(element))
            counted[id(element)] = 1 + sum(counted[id(part)] for part in parts(element))
            if counted[id(element)] > limit:
                return counted[id(element)]
            continue
        if id(element) in walking:
            return None
        walking.add(id(element))
        stack.append((element, True))
        stack.extend((part, False) for part in parts(element) if id(part) not in counted)
    return counted[id(root)]


MARKER_PROPERTIES = ("marker", "marker-start", "marker-mid", "marker-end")


def _markers_in_markers(root: ET.Element) -> bool:
    """Whether something inside a `<marker>` may draw markers itself: by an attribute, or by a
    style sheet that sets markers at all (125,000 circles from 1.2 KB at three levels)."""
    markers = [element for element in root.iter() if _local(element.tag) == "marker"]
    if not markers:
        return False
    sheets = "".join("".join(element.itertext()) for element in root.iter()
                     if _local(element.tag) == "style")
    if "marker" in sheets.lower():
        return True
    return any(inner.get(name) or "marker" in (inner.get("style") or "").lower()
               for marker in markers for inner in marker.iter() if inner is not marker
               for name in MARKER_PROPERTIES)


def _clean_element(element: ET.Element, removed: list[str]) -> None:
    tag = _local(element.tag)
    for name, value in list(element.attrib.items()):
        local, namespace = _local(name), _namespace(name)
        if namespace not in ("", XLINK_NS, XML_NS):
            if not _editors(namespace):
                removed.append(f"the attribute {local}= of another namespace on <{tag}>")
        elif local.lower().startswith("on"):
            removed.append(f"the event handler {local}= on <{tag}>")
        elif local == "href" and not value.strip().startswith("#") and not (
                tag == "image" and EMBEDDED_PICTURE.match(value.strip())):
            removed.append(f"the external reference {value.strip()[:80]} on <{tag}>")
        elif _loads(value):
            removed.append(f"the external reference in {local}= on <{tag}>")
        else:
            continue
        del element.attrib[name]
    for child in list(element):
        name = _local(child.tag) if isinstance(child.tag, str) else ""
        namespace = _namespace(child.tag) if isinstance(child.tag, str) else ""
        target = child.get("attributeName", "")
        if namespace != SVG_NS:
            if not _editors(namespace):
                removed.append(f"the element <{name}> of another namespace than SVG's")
        elif name in ACTIVE_ELEMENTS:
            removed.append(f"<{name}>")
        elif name in ANIMATIONS and (target.lower().startswith("on") or target.endswith("href")):
            removed.append(f"<{name}> changing {target}")
        elif name == "style" and len(child):
            removed.append("a <style> holding elements")
        elif name == "style" and _loads(child.text or ""):
            removed.append("a <style> that loads other files")
        else:
            _clean_element(child, removed)
            continue
        _remove(element, child)


def _remove(parent: ET.Element, child: ET.Element) -> None:
    """Remove `child`, keeping the text that follows it (its `tail`) where it stood."""
    if child.tail:
        before = None
        for sibling in parent:
            if sibling is child:
                break
            before = sibling
        if before is not None:
            before.tail = (before.tail or "") + child.tail
        else:
            parent.text = (parent.text or "") + child.tail
    parent.remove(child)
