"""The data that flows between stages: site configuration, issues, documents. No I/O, no logic
beyond derived properties. Stages derive new instances with `dataclasses.replace`."""
from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field, fields
from functools import lru_cache
from operator import attrgetter
from pathlib import Path


def _cached_hash(self) -> int:
    """Hash of a large frozen record, computed once per object: the preview's memo keys hash
    the same documents and issues on every rebuild."""
    cell = self._hash_cell
    if cell[0] is None:
        cell[0] = hash(_hashed(type(self))(self))
    return cell[0]


def slot_hash(self) -> int:
    """`_cached_hash` for small records that number in the tens of thousands (index entries):
    kept in an int slot `_hash` (8 bytes), not a list cell (72)."""
    value = self._hash
    if value is None:
        value = hash(_hashed(type(self))(self))
        object.__setattr__(self, "_hash", value)  # a frozen record: its own cache only
    return value


@lru_cache(maxsize=None)
def _hashed(cls: type):
    """record → the values its hash is made of: the compared fields but those marked
    `field(hash=False)`. A record read back from the stored memo hashes anew (str hashes are
    salted per process): hashing every document's text made a tenth of an edit's rebuild at
    1,500 documents (a document now compares and hashes by its source's digest instead)."""
    names = [f.name for f in fields(cls) if f.compare and f.hash is not False]
    return attrgetter(*names)


def reduce_by_fields(self) -> tuple:
    """`__reduce__` of a record: pickle it as its constructor arguments, much faster to load
    than the slots state dataclasses pickle by default; the hash cell (a per-process value: str
    hashes are salted) is never carried into another process."""
    return type(self), _constructor_values(type(self))(self)


@lru_cache(maxsize=None)
def _constructor_values(cls: type):
    """record → the tuple of its constructor fields' values. Asked of `dataclasses.fields` once
    per class, not once per record: at 1,500 documents its 33,000 calls were 1.5 % of a cold
    build and an eighth of loading the stored memo."""
    names = [f.name for f in fields(cls) if f.init]
    get = attrgetter(*names)
    return get if len(names) > 1 else lambda record: (get(record),)


@dataclass(frozen=True, slots=True)
class SectionSpec:
    """A 栏目 of the gazette (rendered 【name】) and the issuers whose documents it holds."""

    name: str
    issuers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FooterItem:
    """One government-site footer line, e.g. 网站标识码 with its value and optional link."""

    label: str
    value: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Fonts:
    """Font families for each typographic role of the printed edition (GB/T 9704 roles)."""

    title: tuple[str, ...]
    body: tuple[str, ...]
    heading1: tuple[str, ...]
    heading2: tuple[str, ...]
    heading3: tuple[str, ...]
    page_number: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Signing:
    """site.yaml `signing`: the office's PKCS#12 key, the environment variable holding its
    passphrase (never a file), the CA certificates readers trust, an optional RFC 3161 service."""

    key: Path
    passphrase_env: str | None
    trust: tuple[Path, ...]
    timestamp_url: str | None
    lines: tuple[tuple[str, int], ...]  # site.yaml line of each field, for located errors

    def line(self, name: str) -> int:
        return dict(self.lines).get(name, dict(self.lines)["signing"])


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """Everything `site.yaml` says, with paths resolved against the site folder (`root`)."""

    __reduce__ = reduce_by_fields

    root: Path
    title: str
    title_roman: str
    slug: str
    publisher: str
    editor_printer: str
    address: str
    phone: str
    base_url: str
    language: str
    output_dir: Path
    sections: tuple[SectionSpec, ...]
    footer: tuple[FooterItem, ...]
    fonts: Fonts
    press: bool = False
    pdfa: bool = False
    saddle_stitch: bool = True  # pad the printed issue to a multiple of 4 pages
    new_page: tuple[str, ...] = ("attachment",)  # parts that start a new page (print.new_page)
    tagged: bool = False  # a structure tree in reading order (print: tagged: true)
    image_limit_kb: int = 5120  # an image above it is a warning (site.yaml image_limit_kb)
    organisation_code: str = ""  # 政务公开: the organisation's code, the first part of 索引号
    signing: Signing | None = None
    # the output path as site.yaml writes it, before links are resolved: a link pointed at
    # another folder since the last build means a build (uptodate.py)
    output_as_written: Path | None = None
    _hash_cell: list = field(default_factory=lambda: [None], init=False, repr=False,
                             compare=False)

    __hash__ = _cached_hash

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def layouts_dir(self) -> Path:
        return self.root / "layouts"

    @property
    def assets_dir(self) -> Path:
        return self.root / "assets"


@dataclass(frozen=True, slots=True)
class PageSignature:
    """What every page's memo key holds besides its own values: the layouts (names and
    contents), the configuration and the archive's years (every page's menu). Its hash is
    kept: a tuple's is computed again by each lookup (~3,300 pages and lists in a rebuild at
    1,500 documents, each hashed three times)."""

    __reduce__ = reduce_by_fields

    layouts: tuple[tuple[str, bytes], ...]
    config: SiteConfig
    years: tuple[int, ...]
    _hash: int | None = field(default=None, init=False, repr=False, compare=False)

    __hash__ = slot_hash


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading of a document body: level 1 一、, 2 （一）, 3 1.; its text and HTML id."""

    __reduce__ = reduce_by_fields

    level: int
    text: str
    anchor: str


@dataclass(frozen=True, slots=True)
class Part:
    """What follows a notice's signature: an embedded document it transmits, or an attachment."""

    __reduce__ = reduce_by_fields

    kind: str  # "embedded" or "attachment"
    label: str  # "" for embedded documents, "附件" or "附件1" for attachments
    title: str
    anchor: str
    html: str
    headings: tuple[Heading, ...]


@dataclass(frozen=True, slots=True)
class DocRef:
    """Another document named by a 文号, as a link shows it; `url` is None when the archive
    does not hold it (an older document, or one of another gazette)."""

    __reduce__ = reduce_by_fields

    number: str  # the 文号, or the issue and page (2024年第1期第7页) a 勘误 names
    title: str | None = None
    url: str | None = None
    issue_label: str | None = None
    page: int | None = None  # the printed page, when a 勘误 names an issue and page


@dataclass(frozen=True, slots=True)
class Links:
    """How a document stands to others (filled by `record.links`): corrections (勘误) both
    ways, and the documents that repeal or amend it and that it repeals or amends."""

    __reduce__ = reduce_by_fields

    corrects: DocRef | None = None  # this document is a 勘误 of that one
    corrected_by: tuple[DocRef, ...] = ()
    repealed_by: DocRef | None = None
    amended_by: tuple[DocRef, ...] = ()
    repeals: tuple[DocRef, ...] = ()
    amends: tuple[DocRef, ...] = ()


@dataclass(frozen=True, slots=True)
class Document:
    """One document of an issue: front-matter, Markdown body and, after conversion, its HTML."""

    __reduce__ = reduce_by_fields

    stem: str
    path: Path
    title: str
    number: str
    date: dt.date
    issuer: str
    section: str
    disclosure: str | None
    notes: tuple[tuple[int, str], ...]  # (line, text) of each editor's note on the source
    title_lines: tuple[str, ...]  # the editor's line breaks of the printed title, or ()
    # the texts compare by `source_digest` (what they are made from), not themselves: they may
    # be kept in a file (texts.Text) while the build runs
    body_markdown: str = field(hash=False, compare=False)
    body_line: int
    number_line: int  # the line of `number:`, for archive-wide 文号 checks
    year: int
    issue_number: int
    # the documents the front-matter names by 文号 (corrects, repealed_by, amended_by)
    relations: tuple[tuple[str, str, int], ...] = ()  # (field, 文号, line): corrects, repealed_by, amended_by
    links: Links = Links()  # filled by record.links
    # sha256 of the source file; after conversion, of that and the states of its images
    source_digest: bytes = b""
    image_sources: tuple[str, ...] = ()  # the image sources the body names, as written
    # filled by markdown.convert
    html: str = field(default="", hash=False, compare=False)
    headings: tuple[Heading, ...] = field(default=(), hash=False, compare=False)
    # while kept in a file (texts.spilled), `parts` is a texts.Text holding headings and parts
    # (a texts.Placed on its way back from the worker that wrote it there: texts.placed)
    parts: tuple[Part, ...] = field(default=(), hash=False, compare=False)
    images: tuple[str, ...] = ()  # content-relative paths of the images the body shows
    # what converting read of the files the body's images name, as markdown-it reads them
    # (`markdown.file_states`): a kept conversion is used only while they are the same
    read_images: tuple = field(default=(), hash=False, compare=False)
    # optional 政务公开 metadata from the front-matter
    keywords: tuple[str, ...] = ()  # 主题词
    index_number: str | None = None  # 索引号 after the organisation code: 2024-00012
    topic: str | None = None  # 主题分类
    validity: str | None = None  # 有效性
    _hash_cell: list = field(default_factory=lambda: [None], init=False, repr=False,
                             compare=False)

    __hash__ = _cached_hash

    @property
    def anchor(self) -> str:
        """The id of the document's title, the same in the print HTML and the web page."""
        return f"doc-{self.stem}"

    @property
    def url(self) -> str:
        return f"{self.year}/{self.issue_number:02d}/{self.stem}/"


@dataclass(frozen=True, slots=True)
class Section:
    """A section of one issue with its documents in order."""

    __reduce__ = reduce_by_fields

    name: str
    documents: tuple[Document, ...]


@dataclass(frozen=True, slots=True)
class Issue:
    """One issue folder: 年第N期, 总第N期, 编印 date and its documents grouped by section."""

    __reduce__ = reduce_by_fields

    year: int
    number: int
    total: int
    date: dt.date
    path: Path  # the issue.yaml
    sections: tuple[Section, ...]
    # (stem, start page as printed, line in issue.yaml) for issues printed elsewhere
    printed_pages: tuple[tuple[str, int, int], ...] = ()
    published: dt.date | None = None  # set once the issue is published: it is then frozen
    corrected_by: tuple[DocRef, ...] = ()  # 勘误 naming a page of this issue (record.links)
    _hash_cell: list = field(default_factory=lambda: [None], init=False, repr=False,
                             compare=False)

    __hash__ = _cached_hash

    @property
    def key(self) -> str:
        return f"{self.year}-{self.number:02d}"

    @property
    def url(self) -> str:
        return f"{self.year}/{self.number:02d}/"

    @property
    def label(self) -> str:
        return f"{self.year}年第{self.number}期"

    @property
    def documents(self) -> tuple[Document, ...]:
        return tuple(doc for section in self.sections for doc in section.documents)


@dataclass(frozen=True, slots=True)
class PrintedIssue:
    """The print edition of one issue: PDF bytes and the printed page each anchor landed on."""

    pdf: bytes
    page_count: int
    page_of: dict[str, int] = field(default_factory=dict)
    # {stem: (first, last)} printed pages each document's article runs over (citations: 第6—13页)
    document_pages: dict[str, tuple[int, int]] = field(default_factory=dict)
    # per-document PDFs cut from the same layout, by document stem
    document_pdfs: dict[str, bytes] = field(default_factory=dict)
    # the press copy (3 mm bleed, crop marks) when site.yaml asks for it (print: press: true)
    press_pdf: bytes | None = None
    # start pages of an issue printed elsewhere (issue.yaml printed_pages), by anchor
    recorded: dict[str, int] = field(default_factory=dict)

    @property
    def cited(self) -> dict[str, int]:
        """The page the web edition cites for each anchor: as printed when recorded."""
        return {**self.page_of, **self.recorded}


@dataclass(frozen=True, slots=True)
class Site:
    """The assembled archive: configuration and issues, newest first."""

    config: SiteConfig
    issues: tuple[Issue, ...]

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(sorted({issue.year for issue in self.issues}, reverse=True))


def compared_number(number: str) -> str:
    """A 文号 as two are compared: in NFKC form, 〔２０２４〕２号 typed with full-width digits is
    〔2024〕2号."""
    return unicodedata.normalize("NFKC", number)
