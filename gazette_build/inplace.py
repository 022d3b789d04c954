"""The preview's reload in place: after a rebuild the open page swaps in its new body instead of
reloading. A reload re-fetched the stylesheet and the scripts, re-laid the page out and reopened
the live-reload socket — an edit saved while the socket was reopening was not shown at all until
the next one — and it lost the editor's scroll position.

The script is a livereload.js plugin (livereload.js adopts every `window.LiveReloadPlugin*`): for
a reload of path `*` (content or the PDF changed) it fetches the page and replaces `<body>`;
for anything else (a stylesheet, a layout, site.yaml: the page's head may change) it lets
livereload reload the page. A failed fetch falls back to a reload.
"""
from __future__ import annotations

SWAP_PATH = "*"  # the reload path for which the body is swapped
RELOAD_PATH = "gazette:page"  # the reload path for which the page is reloaded whole

SCRIPT = b"""<script>
(function () {
  function Gazette() {}
  Gazette.identifier = "gazette-in-place";
  Gazette.version = "1.0";
  Gazette.prototype.reload = function (path) {
    if (path !== "*") return false;
    fetch(location.href, {cache: "no-store"})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (text) {
        var fresh = new DOMParser().parseFromString(text, "text/html");
        document.title = fresh.title;
        document.body.replaceWith(document.adoptNode(fresh.body));
      })
      .catch(function () { location.reload(); });
    return true;
  };
  window.LiveReloadPluginGazette = Gazette;
})();
</script>"""


def reload_path(changed: set[str], root: str) -> str:
    """The path to announce for a rebuild caused by `changed` files (absolute paths)."""
    content = root.rstrip("/") + "/content/"
    return SWAP_PATH if all(path.startswith(content) for path in changed) else RELOAD_PATH
