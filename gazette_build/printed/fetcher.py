"""The printed edition reads only the site folder: WeasyPrint fetches every stylesheet, image and
font through `SiteFetcher`, which serves `file:` URLs inside the site (SVGs as `svgclean` makes
them) and refuses the rest, and records what it read so that the print cache can tell when a
fetched file changed. The addresses are those of `addresses.py`: the same in any clone.
"""
from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher, URLFetcherResponse

from .. import rasters, svgclean
from . import cache as printcache
from .addresses import site_path


class SiteFetcher(URLFetcher):
    """Serves `file:` URLs inside the site folder and refuses everything else."""

    def __init__(self, root: Path):
        super().__init__(allowed_protocols={"file"})
        self.root = root.resolve()
        self.content = self.root / "content"  # the documents' images, which the web build checks
        # path relative to the site folder → sha256, or None for a file that does not exist
        # (the cache then lays the issue out again once it appears)
        self.fetched: dict[str, str | None] = {}
        self.refused: list[str] = []
        self.missing: list[str] = []
        # images refused (an SVG, too many pixels): the web build's warning says why
        self.unpublished: list[str] = []

    def fetch(self, url, headers=None):
        path = self._local_path(url)
        if path is None:
            self.refused.append(url)
            raise ValueError(f"refused {url}: the printed edition reads only the site folder")
        if not path.is_file():
            self.missing.append(url)
            self.fetched[path.relative_to(self.root).as_posix()] = None
            raise ValueError(f"{url} does not exist")
        data = path.read_bytes()
        self.fetched[path.relative_to(self.root).as_posix()] = printcache.digest_bytes(data)
        if path.is_relative_to(self.content):  # the site's own files (assets) are as they are
            data = self._as_published(url, path, data)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, data, {"Content-Type": content_type})

    def _as_published(self, url: str, path: Path, data: bytes) -> bytes:
        """A document's image as the web edition publishes it (an SVG cleaned), or refused
        (ValueError) where the web build leaves it out or warns that print cannot take it."""
        suffix = path.suffix.lower()
        if suffix == ".svg":
            data, why = svgclean.clean(data)
            if data is None:
                self.unpublished.append(url)
                raise ValueError(f"{url} is refused: {why[0]}")
        elif suffix in rasters.TYPES and not rasters.is_raster(data[:rasters.HEAD]):
            self.unpublished.append(url)  # WeasyPrint would try it as an SVG, uncleaned
            raise ValueError(f"{url} is refused: not a raster image")
        elif suffix in rasters.TYPES and rasters.too_large(rasters.pixels(data)):
            self.unpublished.append(url)  # decoded whole, it would hold GBs: left out
            raise ValueError(f"{url} is refused: too many pixels")
        return data

    def shown(self, url: str) -> str:
        """How a message names `url`: its path in the site folder where it has one."""
        path = self._local_path(url)
        return path.relative_to(self.root).as_posix() if path is not None else url

    def _local_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = site_path(self.root, Path(url2pathname(parts.path))).resolve()  # ../, links
        return path if path.is_relative_to(self.root) else None
