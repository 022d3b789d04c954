"""What keeps the preview to its editor: the HTTP parts of `gazette serve` that are not about
building.

- Only requests addressed to the listening address are answered: a page on another site that
  rebinds its own host name to 127.0.0.1 (DNS rebinding) sends its own name as `Host` and is
  refused, so it cannot read unpublished drafts.
- The reload websocket and `/forcereload` answer only pages of the preview's own origin.
- The reload script is loaded from the preview (`<script src>`), never inline, so the pages'
  Content-Security-Policy holds in the preview as on the published site.
- One preview per site folder: a lock on the folder itself (a file beside it says which process
  holds it); the operating system drops the lock when that process ends, so a stale lock is
  taken over, and removing the file does not let a second preview in.
"""
from __future__ import annotations

import base64
import errno
import fcntl
import hashlib
import ipaddress
import json
import os
from pathlib import Path
from urllib.parse import urlsplit

from livereload.handlers import ForceReloadHandler, LiveReloadHandler, LiveReloadJSHandler
from livereload.server import LiveScriptInjector
from tornado import web

LOCK_NAME = ".gazette-preview.lock"
LOOPBACK_NAMES = {"localhost", "localhost.", "127.0.0.1", "::1"}
MAX_MESSAGE = 16_384  # the longest reload-channel message read


class AlreadyServing(Exception):
    """Another `gazette serve` holds the site folder's preview lock."""


class PreviewLock:
    """The preview lock of a site folder, held until `close`: a lock on the folder itself,
    which removing `.gazette-preview.lock` (which only says who holds it) does not release."""

    def __init__(self, folder: int, note) -> None:
        self.folder, self.note = folder, note

    def close(self) -> None:
        if self.note is not None:
            self.note.close()
        os.close(self.folder)  # the operating system drops the lock with it


def take_lock(root: Path) -> PreviewLock:
    """Hold the preview lock of `root` until the returned lock is closed."""
    folder = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):  # no locks here (NFS): none
            return PreviewLock(folder, None)
        os.close(folder)
        try:  # not blocking on a FIFO put in its place
            with open(_note_file(root, os.O_RDONLY | os.O_NONBLOCK), encoding="utf-8") as stream:
                holder = stream.read(200).strip()
        except (OSError, ValueError):
            holder = ""
        raise AlreadyServing(holder or "another process") from None
    try:
        # ours to write, made anew: a link, a hard link or a FIFO put there would have its
        # target written, emptied or the preview blocked
        (root / LOCK_NAME).unlink(missing_ok=True)
        note = open(_note_file(root, os.O_WRONLY | os.O_CREAT | os.O_EXCL), "w",
                    encoding="utf-8")
        note.write(f"pid {os.getpid()}")
        note.flush()
    except OSError:  # who holds the lock goes unsaid; the lock holds
        note = None
    return PreviewLock(folder, note)


def _note_file(root: Path, flags: int) -> int:
    """The lock's note opened, never through a link (a link to a file outside the site had
    that file's contents replaced by "pid …")."""
    return os.open(root / LOCK_NAME, flags | os.O_NOFOLLOW, 0o644)


def host_allowed(host_header: str, listen_host: str, port: int) -> bool:
    """Whether a request's `Host` names the address the preview listens on."""
    try:  # `[`, `[evil]:80`: not a host urlsplit reads (ValueError, a 500 before)
        parts = urlsplit(f"//{host_header}")
        name, asked_port = (parts.hostname or ""), parts.port
    except ValueError:
        return False
    if asked_port not in (port, None) or (asked_port is None and port != 80):
        return False
    if name == listen_host.lower().strip("[]"):
        return True
    if _is_ip(name):  # an address literal cannot be rebound by a DNS answer, but only the
        # addresses it listens on are its own: any of the machine's when it listens on all
        return listen_host in ("0.0.0.0", "::") or (
            listen_host.lower().rstrip(".") == "localhost" and name in ("127.0.0.1", "::1"))
    return name in LOOPBACK_NAMES and _is_loopback(listen_host)


def same_origin(origin: str | None, host_header: str) -> bool:
    """Whether an `Origin` header names the page's own origin (absent: not a browser page)."""
    if origin is None:
        return True
    try:
        parts = urlsplit(origin)
    except ValueError:  # `http://[`
        return False
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host_header.lower()


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _is_loopback(name: str) -> bool:
    return name in LOOPBACK_NAMES or (_is_ip(name) and ipaddress.ip_address(name).is_loopback)


class LocalOnly:
    """Mixed into every handler: refuse a request whose Host is not the listening address."""

    listen: tuple[str, int] = ("127.0.0.1", 8000)

    def prepare(self):
        if not host_allowed(self.request.host, *self.listen):
            raise web.HTTPError(403, reason="Host is not the preview's address")
        return super().prepare()


class GuardedReload(LocalOnly, LiveReloadHandler):
    def check_origin(self, origin):
        return same_origin(origin, self.request.host)

    def on_message(self, message):
        """livereload.js's messages; anything else (not JSON, not an object with a command)
        is ignored: livereload's handler failed on it with a traceback, dropping the channel."""
        if len(message) > MAX_MESSAGE:  # livereload.js's are a few hundred bytes, a URL more
            return None
        try:
            parsed = json.loads(message)
        except (ValueError, TypeError, RecursionError):  # `[[[[…`
            return None
        if not isinstance(parsed, dict) or not isinstance(parsed.get("command"), str) \
                or not isinstance(parsed.get("url", ""), str):
            return None
        return super().on_message(message)


class GuardedForceReload(LocalOnly, ForceReloadHandler):
    def get(self):
        origin = self.request.headers.get("Origin")
        # an <img> on another site sends no Origin, but its fetch says it is cross-site
        fetch_site = self.request.headers.get("Sec-Fetch-Site", "same-origin")
        if not same_origin(origin, self.request.host) or fetch_site not in ("same-origin",
                                                                            "none"):
            raise web.HTTPError(403, reason="not from the preview's own pages")
        return super().get()


class GuardedScript(LocalOnly, LiveReloadJSHandler):
    pass


def application(file_handler: type, root: str, listen: tuple[str, int]) -> web.Application:
    """The preview's tornado application: the guarded livereload handlers, the pages, and the
    reload script injected as `<script src>` (livereload's own injects an inline script)."""
    LocalOnly.listen = listen

    class ScriptTag(LiveScriptInjector):
        script = f'<script src="/livereload.js?port={listen[1]}"></script>'.encode()

    return web.Application(
        handlers=[(r"/livereload", GuardedReload), (r"/forcereload", GuardedForceReload),
                  (r"/livereload.js", GuardedScript),
                  (r"/(.*)", file_handler, {"path": root, "default_filename": "index.html"})],
        transforms=[ScriptTag])


def relax_policy(page: bytes, host: str, scripts: tuple[bytes, ...] = ()) -> bytes:
    """The preview's own additions to a page's Content-Security-Policy: the reload websocket,
    the inline styles of its banners and its own inline `scripts` (each allowed by its SHA-256,
    no other). Published pages keep the strict policy."""
    hashes = "".join(f" '{_sha256(script)}'" for script in scripts)
    return page.replace(b"default-src 'self';", f"default-src 'self'; connect-src 'self' "
                        f"ws://{host};".encode(), 1).replace(
        b"style-src 'self';", b"style-src 'self' 'unsafe-inline';", 1).replace(
        b"script-src 'self'", f"script-src 'self'{hashes}".encode(), 1)


def _sha256(script_tag: bytes) -> str:
    body = script_tag.split(b">", 1)[1].rsplit(b"</script>", 1)[0]
    return "sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")
