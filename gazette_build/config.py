"""Load `site.yaml` into a `SiteConfig`: every key checked, every problem reported with its line."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from .errors import Report
from .frontmatter import read_text
from .record import signing
from .model import Fonts, FooterItem, SectionSpec, SiteConfig
from .writer import output_problem
from .yamlschema import Entry, Field, load_mapping, validate

SITE_FIELDS = (
    Field("title", "str", True),
    Field("title_roman", "str", True),
    Field("slug", "str", True),
    Field("publisher", "str", True),
    Field("editor_printer", "str", True),
    Field("address", "str", True),
    Field("phone", "str", True),
    Field("base_url", "str", True),
    Field("language", "str"),
    Field("output", "str"),
    Field("sections", "mapping-list", True),
    Field("footer", "mapping"),
    Field("fonts", "mapping"),
    Field("print", "mapping"),
    Field("image_limit_kb", "int"),
    Field("organisation_code", "str"),
    Field("signing", "mapping"),
)
SECTION_FIELDS = (Field("name", "str", True), Field("issuers", "str-list", True))
# The government-site footer (conventions §5.1). Values come from the site operator; an empty
# value is left out of the page rather than invented.
FOOTER_FIELDS = tuple(Field(name, "str") for name in
                      ("主办单位", "联系方式", "网站标识码", "ICP备案号", "公安备案号"))
FONT_ROLES = ("title", "body", "heading1", "heading2", "heading3", "page_number")
FONT_FIELDS = tuple(Field(role, "str-list") for role in FONT_ROLES)
# Free stand-ins for the GB/T 9704 faces (conventions §3), named explicitly: no generic fallback
# (a character a role's fonts lack is taken from the closest style's: printed/fonts.py).
DEFAULT_FONTS = Fonts(
    title=("Noto Serif CJK SC",),
    body=("FandolFang",),
    heading1=("Noto Sans CJK SC",),
    heading2=("FandolKai", "LXGW WenKai"),
    heading3=("FandolFang",),
    page_number=("Noto Serif CJK SC",),
)
PRINT_FIELDS = (Field("press", "bool"), Field("pdfa", "bool"), Field("saddle_stitch", "bool"),
                Field("new_page", "str-list"),
                Field("tagged", "bool"))
# what may start on a new page by editorial rule, leaving white at the foot of the one before
NEW_PAGE_RULES = ("document", "embedded", "attachment")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MAX_SLUG = 64


def load_config(root: Path, report: Report) -> SiteConfig | None:
    """Read `<root>/site.yaml`; report every problem and return None if there is any."""
    path = root / "site.yaml"
    if not path.is_file():
        report.error(path, 1, "site.yaml", "not found: run gazette in the site folder")
        return None
    if not path.resolve().is_relative_to(root.resolve()):
        report.error(path, 1, "site.yaml", f"is a link to {path.resolve()}, outside the site "
                     "folder; copy the file into the site folder instead")
        return None
    text = read_text(path, report)
    entries = load_mapping(text, path, 1, report) if text is not None else None
    if entries is None:
        return None
    errors_before = len(report.errors)
    values = validate(entries, SITE_FIELDS, path, 1, report)
    sections = _sections(entries.get("sections"), path, report)
    footer = _footer(entries.get("footer"), path, report)
    fonts = _fonts(entries.get("fonts"), path, report)
    print_options = _sub(entries.get("print"), PRINT_FIELDS, path, report)
    new_page = _new_page(entries.get("print"), print_options, path, report)
    signing_config = signing.load_signing(entries.get("signing"), root, path, report)
    if "slug" in values and len(values["slug"]) > MAX_SLUG:  # it starts every PDF's name
        report.error(path, entries["slug"].line, "slug", f"'{values['slug'][:20]}…' has "
                     f"{len(values['slug'])} characters; at most {MAX_SLUG} (file names hold "
                     "255 bytes)")
    elif "slug" in values and not SLUG.match(values["slug"]):
        report.error(path, entries["slug"].line, "slug", f"'{values['slug']}' must be lower-case "
                     "ASCII letters, digits and '-' (it names the PDF files)")
    for folder in ("layouts", "assets"):  # each file of theirs is checked too (render, writer)
        if (root / folder).is_dir() and not (root / folder).resolve().is_relative_to(
                root.resolve()):
            report.error(root / folder, 1, folder, f"is a link to {(root / folder).resolve()}, "
                         "outside the site folder; copy the folder into the site folder instead")
    if "base_url" in values and not _absolute_web_address(values["base_url"]):
        report.error(path, entries["base_url"].line, "base_url", f"'{values['base_url']}' must "
                     "be the site's whole address, e.g. https://www.sxjz.gov.cn/gongbao/, with "
                     "no query (?…), fragment (#…) or spaces (the sitemap, feeds and records "
                     "give readers whole addresses, each a page's path after it)")
    output_dir = (root / values.get("output", "public")).resolve()
    problem = output_problem(root, output_dir)
    if problem:
        line = entries["output"].line if "output" in entries else 1
        report.error(path, line, "output", f"{output_dir} {problem}")
    if len(report.errors) > errors_before:
        return None
    return SiteConfig(
        root=root,
        title=values["title"],
        title_roman=values["title_roman"],
        slug=values["slug"],
        publisher=values["publisher"],
        editor_printer=values["editor_printer"],
        address=values["address"],
        phone=values["phone"],
        base_url=values["base_url"].rstrip("/") + "/",
        language=values.get("language", "zh-CN"),
        output_dir=output_dir,
        sections=sections,
        footer=footer,
        fonts=fonts,
        press=print_options.get("press", False),
        pdfa=print_options.get("pdfa", False),
        saddle_stitch=print_options.get("saddle_stitch", True),
        new_page=new_page,
        tagged=print_options.get("tagged", False),
        **({"image_limit_kb": values["image_limit_kb"]} if "image_limit_kb" in values else {}),
        organisation_code=values.get("organisation_code", ""),
        signing=signing_config,
        output_as_written=root / values.get("output", "public"),
    )


def _sub(entry: Entry | None, fields: tuple[Field, ...], path: Path, report: Report) -> dict:
    if entry is None or not isinstance(entry.children, dict):
        return {}
    return validate(entry.children, fields, path, entry.line, report)


def _new_page(entry: Entry | None, print_options: dict, path: Path,
              report: Report) -> tuple[str, ...]:
    """print.new_page: the parts that start a new page (GB/T 9704 §7.3.7: attachments)."""
    rules = print_options.get("new_page")
    if rules is None:
        return ("attachment",)
    for rule in rules:
        if rule not in NEW_PAGE_RULES:
            report.error(path, entry.children["new_page"].line, "new_page", f"'{rule}' is not "
                         f"one of {', '.join(NEW_PAGE_RULES)}")
    return tuple(dict.fromkeys(rules))


def _sections(entry: Entry | None, path: Path, report: Report) -> tuple[SectionSpec, ...]:
    if entry is None or not isinstance(entry.children, tuple):
        return ()
    sections: list[SectionSpec] = []
    owner: dict[str, str] = {}
    for children in entry.children:
        if not isinstance(children, dict):  # a scalar item: validate() has said so already
            continue
        line = min((e.line for e in children.values()), default=entry.line)
        values = validate(children, SECTION_FIELDS, path, line, report)
        if "name" not in values or "issuers" not in values:
            continue
        if any(spec.name == values["name"] for spec in sections):
            report.error(path, children["name"].line, "sections",
                         f"section {values['name']} is named twice")
            continue
        for issuer in values["issuers"]:
            if issuer in owner:
                report.error(path, children["issuers"].line, "sections",
                             f"issuer {issuer} is already in section {owner[issuer]}")
            owner[issuer] = values["name"]
        sections.append(SectionSpec(values["name"], values["issuers"]))
    return tuple(sections)


def _footer(entry: Entry | None, path: Path, report: Report) -> tuple[FooterItem, ...]:
    values = _sub(entry, FOOTER_FIELDS, path, report)
    items = []
    for spec in FOOTER_FIELDS:
        value = values.get(spec.name)
        if not value:
            continue
        url = None
        if spec.name == "ICP备案号":
            url = "https://beian.miit.gov.cn/"
        elif spec.name == "公安备案号":
            digits = "".join(ch for ch in value if ch.isdigit())
            url = f"https://www.beian.gov.cn/portal/registerSystemInfo?recordcode={digits}"
        items.append(FooterItem(spec.name, value, url))
    return tuple(items)


def check_footer(root: Path, report: Report) -> None:
    """`gazette check`: warn, once each, about the footer items the 政府网站发展指引 requires
    that site.yaml leaves empty (the pages leave them out rather than invent them)."""
    path = root / "site.yaml"
    text = read_text(path, Report(root))
    entries = load_mapping(text, path, 1, Report(root)) if text is not None else None
    if entries is None:
        return
    footer = entries.get("footer")
    children = footer.children if footer is not None and isinstance(footer.children, dict) else {}
    for spec in FOOTER_FIELDS:
        entry = children.get(spec.name)
        if entry is None or not isinstance(entry.value, str) or not entry.value.strip():
            line = entry.line if entry is not None else (footer.line if footer else 1)
            report.warn(path, line, f"footer.{spec.name}", "is empty: the 政府网站发展指引 "
                        "requires it in the footer of every page; it is left out until the site "
                        "operator gives its value")


def _fonts(entry: Entry | None, path: Path, report: Report) -> Fonts:
    values = _sub(entry, FONT_FIELDS, path, report)
    return Fonts(**{role: values.get(role) or getattr(DEFAULT_FONTS, role) for role in FONT_ROLES})


def _absolute_web_address(url: str) -> bool:
    """Whether `url` is a whole http(s) address the pages' paths can be put after: a host, a
    port if any in range, no query or fragment (they would come before every path), nothing
    a URL cannot hold unescaped (spaces, control characters)."""
    if any(char.isspace() or ord(char) < 0x20 or char in '"<>\\^`{|}' for char in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 — read for its check: a port out of range or not a number
    except ValueError:  # "http://[::1": an unclosed IPv6 address
        return False
    return (parts.scheme in ("http", "https") and bool(parts.hostname)
            and not parts.query and not parts.fragment and "?" not in url and "#" not in url)
