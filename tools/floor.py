"""The "minimal pipeline" floor: the least a Python static site generator must do per document.

For every `content/<year>/<NN>/<stem>.md` of a site folder, in sorted order: read the file, split
off the `---` front-matter and parse it with the same YAML loader class the project uses
(`yaml.SafeLoader`, pure Python, as gazette_build/yamlschema.py; *not* CSafeLoader), render the
Markdown body with markdown-it-py (commonmark + table, html off, as gazette_build/markdown.py),
render one small Jinja template (title and body, autoescape on), write `<year>/<NN>/<stem>/
index.html` under `out`. No validation, no index/year/issue pages, no assets, no staging folder.

`tools/bench.py` compares the cold `gazette build --no-pdf` with this, per document.
"""
from __future__ import annotations

import sys
from pathlib import Path

import jinja2
import yaml
from markdown_it import MarkdownIt

PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
</head>
<body>
<main>
<h1>{{ title }}</h1>
<p class="doc-number">{{ number }}</p>
{{ body | safe }}
</main>
</body>
</html>
"""


def floor_build(site: Path, out: Path) -> int:
    """Build every document page of `site` into `out`; return the number of pages written."""
    site, out = Path(site), Path(out)
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    env = jinja2.Environment(loader=jinja2.DictLoader({"page.html": PAGE}), autoescape=True)
    template = env.get_template("page.html")
    pages = 0
    for path in sorted((site / "content").glob("*/*/*.md")):
        text = path.read_text(encoding="utf-8")
        _, front, body = text.split("---\n", 2)
        meta = yaml.load(front, Loader=yaml.SafeLoader)  # == yaml.safe_load, the project's class
        html = template.render(title=meta["title"], number=meta["number"], body=md.render(body))
        year, number = path.parent.parent.name, path.parent.name
        target = out / year / number / path.stem / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
        pages += 1
    return pages


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m tools.floor SITE OUT")
    print(floor_build(Path(sys.argv[1]), Path(sys.argv[2])), "pages", file=sys.stderr)
