"""Where the print layout sees the site's files: under `SITE_ROOT`, not the folder's own path.

WeasyPrint names each image of a PDF after its URL (a digest of it), so with the site folder's
path in the URLs two clones of one archive laid out different PDFs, and a published issue with
a picture failed `gazette verify --issue` in any clone but the one that published it. The
stylesheet and the documents' images are given addresses under `SITE_ROOT`, which the fetcher
reads from the site folder (`site_path`); the print HTML, and so the print cache's key, holds
no path of the machine either.
"""
from __future__ import annotations

from pathlib import Path

SITE_ROOT = Path("/gazette-site")


def site_uri(root: Path, path: Path) -> str:
    """The `file:` URL the layout gives `path`, a path inside the site folder `root`."""
    return (SITE_ROOT / path.relative_to(root)).as_uri()


def site_path(root: Path, path: Path) -> Path:
    """The file a layout's `path` names: under `SITE_ROOT`, that path in the site folder `root`
    (any other path is itself, for the fetcher to check)."""
    return root / path.relative_to(SITE_ROOT) if path.is_relative_to(SITE_ROOT) else path
