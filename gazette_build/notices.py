"""What the preview tells an editor on the page itself: the warnings of the build, each on the
page of the document it concerns and on its issue's page, with its file and line.

A warning about `content/2024/01/x.md` belongs to `/2024/01/x/`; one about anything else of
`content/2024/01/` (issue.yaml, an image) to `/2024/01/`; the issue page gathers all of its
issue's; a warning about site.yaml, a layout or the assets is shown on every page.
"""
from __future__ import annotations

import html
import re

ISSUE_FILE = re.compile(r"^content/(?P<year>\d{4})/(?P<nn>\d{2})/(?P<name>[^/:]+?)(?P<md>\.md)?:")


def page_of(message: str) -> str:
    """The URL prefix a warning belongs to ("" for every page), from its `path:line:` text."""
    match = ISSUE_FILE.match(message.removeprefix("warning: "))
    if match is None:
        return ""
    issue = f"/{match['year']}/{match['nn']}/"
    return issue + f"{match['name']}/" if match["md"] else issue


def belongs(message: str, url_path: str) -> bool:
    """Whether a page shows the warning: its own page, its issue's page, or every page."""
    target = page_of(message)
    if not target or url_path.startswith(target):
        return True
    issue = "/".join(target.split("/")[:3]) + "/"
    return url_path in (issue, issue + "index.html")


def warnings_banner(messages: list[str], url_path: str) -> str:
    """The warnings box for one page, or "" when it has none."""
    # the PDF worker repeats the load's warnings, each issue's layout all of them: each is
    # shown once, and looked at once (500 warnings × 25 PDFs made a page take 0.3 s)
    unique = dict.fromkeys(m if m.startswith("warning: ") else f"warning: {m}" for m in messages)
    shown = [m for m in unique if belongs(m, url_path)]
    if not shown:
        return ""
    lines = "\n".join(html.escape(line) for line in shown)
    return ('<div id="gazette-warnings" style="background:#fffbe6;color:#5c4400;'
            'border:2px solid #d9b400;padding:.8em;font:13px/1.5 monospace;white-space:pre-wrap">'
            f'<strong>{len(shown)} 条提示 (warnings) — 不影响发布，请编辑核对:</strong>\n'
            f'{lines}</div>')
