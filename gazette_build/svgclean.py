"""SVG images are published without active content.

An SVG opened directly (not through `<img>`) runs its scripts with the gazette's origin, and can
load other files. What is published is never the file as drawn but the image read and written
out again, keeping only what is known to draw: elements of the SVG namespace (not its scripts,
`foreignObject`s or animations that rewrite links or handlers), attributes without a namespace
or of `xml:`/`xlink:`, references only to the image's own parts (`#id`), style that loads no
other file. Whatever the reading drops — processing instructions such as `<?xml-stylesheet?>`,
comments — is dropped from the published file too. The editor is told what was removed, except
the drawing programs' own notes (Inkscape's, RDF metadata), which never draw.

An SVG is refused (not published, with a warning) that is not UTF-8, declares entities other
than short plain text (Illustrator's namespace names; expansion without bound, other files
read), is not well-formed XML, has no `<svg>` at its root, nests deeper than `MAX_DEPTH`
(writing it out again is one call per level), or draws more than `MAX_DRAWN` elements and
characters of text (WeasyPrint lays out each character of a `<text>` on its own: 100,000 took
6 s and 300 MB) once each element drawn again is counted as often as it is — by a `<use>`, a
mask, clip, pattern, filter or marker (once a point), a style sheet's `url(#…)` (3 KB of
`<use>`s of `<use>`s drew 10^8; 2 KB of nested masks took WeasyPrint past 1 GB) — or draws
itself. The printed edition reads the documents' SVGs through the same cleaning
(`printed/fetcher.py`).
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
TEXT_CONTENT = {"text", "tspan", "textPath"}  # the elements whose characters are drawn
WHITE_SPACE = re.compile(r"\s+")

ACTIVE_ELEMENTS = {"script", "foreignObject", "handler", "listener"}
ANIMATIONS = {"set", "animate", "animateTransform", "animateMotion"}
# style that can load a file, read once its escapes are decoded (`u\72l(` is `url(`): an import,
# a function of image candidates (any of them may be an address, whatever the first is), or an
# address that is neither a part of the image itself (`url(#g)`) nor data held in it
LOADING_STYLE = re.compile(
    r"@import|\b(?:-webkit-)?(?:image-set|cross-fade|image|element)\s*\("
    r"|\b(?:url|src)\s*\(\s*(?![\"']?\s*(?:#|data:))", re.IGNORECASE)
IMPORT_RULE = re.compile(r"@import[^;{}]*;?", re.IGNORECASE)
CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})[ \t\n]?|(.))", re.DOTALL)
# a DOCTYPE may declare entities as Illustrator does (`<!ENTITY ns_svg "http://…">`): short
# text, no reference to another entity or file; anything else in it is refused
DOCTYPE = re.compile(r"<!DOCTYPE[^>\[]*(?:\[(?P<subset>[^\]]*)\])?\s*>")
PLAIN_ENTITY = re.compile(r'\s*<!ENTITY\s+([\w.:-]+)\s+"([^"&%<]{0,200})"\s*>\s*')
MAX_ENTITIES = 50
# characters the references to them may add: Illustrator names a few namespaces with them; a
# million references to 200 characters made a 3 MB file a 200 MB one
MAX_EXPANSION = 100_000
EMBEDDED_PICTURE = re.compile(r"^data:image/(?:png|jpe?g|gif|webp)(?:;[^,;=]+=[^,;]*)*;base64,"
                              r"[A-Za-z0-9+/=\s]*$", re.IGNORECASE)
# attributes that hold no CSS (names, classes, geometry): not read for loading style
NOT_STYLE = {"id", "class", "d", "points", "transform", "viewBox", "x", "y", "width", "height",
             "lang", "space"}
# what paints or clips with another element of the image, drawing it again (`url(#id)`)
PAINTING = ("mask", "clip-path", "fill", "stroke", "filter", "style", "marker", "marker-start",
            "marker-mid", "marker-end")
URL_REFERENCE = re.compile(r"url\(\s*['\"]?\s*#([^)'\"\s]+)")
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
PROCESSING_INSTRUCTION = re.compile(r"<\?(?!xml\s)([^\s?>]{1,40})")


def _namespace(name: str) -> str:
    return name[1:].split("}", 1)[0] if name.startswith("{") else ""


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _editors(namespace: str) -> bool:
    return namespace.startswith(EDITORS_NS)


def _decoded(style: str) -> str:
    if "\\" not in style:
        return style
    return CSS_ESCAPE.sub(lambda m: chr(min(int(m[1], 16), 0x10FFFF) or 0xFFFD) if m[1]
                          else m[2], style)


def _loads(style: str) -> bool:
    """Whether CSS text (a sheet, an attribute) can load a file, its escapes decoded."""
    return bool(LOADING_STYLE.search(_decoded(style)))


def _plain_declarations(text: str) -> bool:
    """Whether the document's DOCTYPE, if any, declares only plain text entities (and no
    `<!ENTITY` stands anywhere else)."""
    doctype = DOCTYPE.search(text)
    subset = (doctype["subset"] or "") if doctype else ""
    if text.count("<!ENTITY") != subset.count("<!ENTITY") or "<!DOCTYPE" in text and not doctype:
        return False
    declarations = [match[0] for match in PLAIN_ENTITY.finditer(subset)]
    return len(declarations) <= MAX_ENTITIES and "".join(declarations) == subset


def _expansion(text: str) -> int:
    """How many characters the references to the DOCTYPE's entities add when read (plain
    entities: no reference inside one)."""
    doctype = DOCTYPE.search(text)
    subset = (doctype["subset"] or "") if doctype else ""
    return sum(text.count(f"&{name};") * max(len(value) - 1, 0)
               for name, value in PLAIN_ENTITY.findall(subset))


def clean(data: bytes) -> tuple[bytes | None, list[str]]:
    """(the bytes to publish, what was removed); (None, [why]) for an SVG that is refused."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, ["it is not UTF-8 text; it is not published"]
    if not _plain_declarations(text):
        return None, ["it declares entities that name other entities or files, which can "
                      "expand without bound or read other files; it is not published"]
    if _expansion(text) > MAX_EXPANSION:
        return None, [f"the references to its entities add more than {MAX_EXPANSION:,} "
                      "characters when read; it is not published"]
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
    if _deeper_than(root, MAX_DEPTH):
        return None, [f"its elements nest more than {MAX_DEPTH} deep; it is not published"]
    removed = [f"the processing instruction <?{name}?>"
               for name in PROCESSING_INSTRUCTION.findall(text)]
    _clean_element(root, removed)
    drawn = _drawn(root, MAX_DRAWN)
    if drawn is None:
        return None, ["an element in it draws itself (through a <use>, a mask, clip, pattern "
                      "or marker); it is not published"]
    if drawn > MAX_DRAWN:
        return None, [f"it draws more than {MAX_DRAWN:,} elements and characters of text (each "
                      "one that a <use>, a mask, clip, pattern or marker draws again counted "
                      "each time); it is not published"]
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
    """How many elements and characters of text (not white space) the image draws, each
    element another draws again counted as often as it is drawn: a `<use>` draws what either
    of its links names, a mask, clip, pattern, filter or marker (`url(#id)`) what it names — a
    marker once per point of the path — and what a style sheet names may be drawn by every
    element. More than `limit` as soon as it is passed; None for an element drawn inside
    itself."""
    named: dict[str, list[ET.Element]] = {}
    for element in root.iter():
        if element.get("id"):
            named.setdefault(element.get("id").strip(), []).append(element)
    sheets = "".join("".join(element.itertext()) for element in root.iter()
                     if _local(element.tag) == "style")
    everywhere = [target for name in URL_REFERENCE.findall(_decoded(sheets))
                  for target in named.get(name, ())]
    # what it draws does not draw it again (a marker's own path is not given the marker)
    inside = {id(part) for target in everywhere for part in target.iter()}

    def parts(element: ET.Element) -> list[tuple[ET.Element, int]]:
        def points() -> int:  # a marker is drawn at each: about half the numbers of the path
            return max(1, len(NUMBER.findall(element.get("d") or element.get("points") or ""))
                       // 2)

        found = [(child, 1) for child in element]
        if _local(element.tag) == "use":
            for reference in (element.get("href"), element.get(f"{{{XLINK_NS}}}href")):
                reference = (reference or "").strip()
                if reference.startswith("#"):
                    found += [(target, 1) for target in named.get(reference[1:].strip(), ())]
        for name in PAINTING:
            value = element.get(name)
            if value and "url(" in value:
                for reference in URL_REFERENCE.findall(_decoded(value)):
                    found += [(target, points()) for target in named.get(reference, ())]
        if everywhere and id(element) not in inside:
            times = points()
            found += [(target, times) for target in everywhere]
        return found

    counted: dict[int, int] = {}
    walking: set[int] = set()  # the elements from the root down to where the walk is
    stack = [(root, False)]
    while stack:  # a walk of its own: the chains may be longer than Python's stack
        element, children_counted = stack.pop()
        if id(element) in counted:
            continue
        if children_counted:
            walking.discard(id(element))
            total = 1 + _characters(element) + sum(counted[id(part)] * times
                                                   for part, times in parts(element))
            counted[id(element)] = total
            if total > limit:
                return total
            continue
        if id(element) in walking:
            return None
        walking.add(id(element))
        stack.append((element, True))
        stack.extend((part, False) for part, _ in parts(element) if id(part) not in counted)
    return counted[id(root)]


def _characters(element: ET.Element) -> int:
    """The characters a text element draws of its own (its children's are theirs)."""
    if _local(element.tag) not in TEXT_CONTENT:
        return 0
    own = (element.text or "") + "".join(child.tail or "" for child in element)
    return len(WHITE_SPACE.sub("", own))


def _clean_element(element: ET.Element, removed: list[str]) -> None:
    tag = _local(element.tag)
    for name, value in list(element.attrib.items()):
        local, namespace = _local(name), _namespace(name)
        if namespace not in ("", XLINK_NS, XML_NS) or namespace == XML_NS and \
                local not in ("space", "lang"):  # xml:base would move where links lead
            if not _editors(namespace):
                removed.append(f"the attribute {local}= of another namespace on <{tag}>"
                               if namespace != XML_NS else f"the attribute xml:{local}= on <{tag}>")
        elif local.lower().startswith("on"):
            removed.append(f"the event handler {local}= on <{tag}>")
        elif local == "href" and not value.strip().startswith("#") and not (
                tag == "image" and EMBEDDED_PICTURE.match(value.strip())):
            removed.append(f"the external reference {value.strip()[:80]} on <{tag}>")
        elif local not in NOT_STYLE and not local.startswith(("data-", "aria-")) and \
                _loads(value):
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
        elif name == "style" and _loads(child.text or "") and \
                _loads(IMPORT_RULE.sub("", child.text or "")):
            removed.append("a <style> that loads other files")
        elif name == "style" and _loads(child.text or ""):  # only its imports load
            child.text = IMPORT_RULE.sub("", child.text or "")
            removed.append("an @import in a <style>")
            continue
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
