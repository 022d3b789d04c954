"""SVG images are published without active content.

An SVG opened directly (not through `<img>`) runs its scripts with the gazette's origin, and can
load other files. Before an SVG is published its scripts, `foreignObject`s (HTML inside the
image), event handlers (`onload=`…), animations that rewrite links or handlers, and references to
anything outside the image itself are removed, and the editor is told what was removed. An SVG
that declares a DOCTYPE or entities (entity expansion, external entities) or is not well-formed
XML is refused: not published, with a warning.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("xlink", XLINK_NS)

ACTIVE_ELEMENTS = {"script", "foreignObject", "iframe", "embed", "object", "handler", "listener"}
ANIMATIONS = {"set", "animate", "animateTransform", "animateMotion"}
EXTERNAL_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.IGNORECASE)


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def clean(data: bytes) -> tuple[bytes | None, list[str]]:
    """(the bytes to publish, what was removed); (None, [why]) for an SVG that is refused."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        return None, ["it declares a DOCTYPE or entities, which can expand without bound or "
                      "read other files; it is not published"]
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        return None, [f"it is not well-formed XML ({exc}); it is not published"]
    removed: list[str] = []
    _clean_element(root, removed)
    if not removed:
        return data, []  # untouched: published byte for byte
    # registered again here: another module registering its own default namespace drops ours
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True), removed


def _clean_element(element: ET.Element, removed: list[str]) -> None:
    for name, value in list(element.attrib.items()):
        local = _local(name)
        if local.lower().startswith("on"):
            removed.append(f"the event handler {local}= on <{_local(element.tag)}>")
        elif local == "href" and not value.strip().startswith("#"):
            removed.append(f"the external reference {value.strip()[:80]} on "
                           f"<{_local(element.tag)}>")
        elif EXTERNAL_URL.search(value):
            removed.append(f"the external reference in {local}= on <{_local(element.tag)}>")
        else:
            continue
        del element.attrib[name]
    for child in list(element):
        tag = _local(child.tag) if isinstance(child.tag, str) else ""
        target = child.get("attributeName", "")
        if tag in ACTIVE_ELEMENTS:
            removed.append(f"<{tag}>")
        elif tag in ANIMATIONS and (target.lower().startswith("on") or target.endswith("href")):
            removed.append(f"<{tag}> changing {target}")
        elif tag == "style" and ("@import" in (child.text or "")
                                 or EXTERNAL_URL.search(child.text or "")):
            removed.append("a <style> that loads other files")
        else:
            _clean_element(child, removed)
            continue
        element.remove(child)
