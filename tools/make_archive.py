"""A synthetic archive for benchmarks: N issues generated from the shipped seed issue.

    python -m tools.make_archive OUT_DIR --issues 250     # 250 issues, 1,500 documents

OUT_DIR becomes a complete site folder: site.yaml, layouts/ and assets/ copied from this
repository, and content/ holding the issues. Issue k (k = 0, 1, …) is number k % 12 + 1 of the
year 2001 + k // 12 (twelve issues a year), 总第k+1期, 编印 on the 20th of the month of its number.
Each issue holds the six seed documents, each with

- a 文号 unique in the whole archive: the seed's 机关代字 (市政发, 市政办发), the issue's year, and
  the serial (number - 1) * 6 + position + 1, so 文号 year == 成文日期 year;
- a distinct title: the seed title followed by （<year>年第<N>期）;
- a 成文日期 on day 1, 3, 5, … 11 of the issue's month, before the 编印 date;
- a lower-case ASCII stem built from the seed stem's prefix: shizhengbanfa-2001-3;
- the seed body unchanged, and no `notes` (the table audit still warns, as on the seed).

The output is deterministic: the same N gives the same bytes (files are written in a fixed
order with fixed content; nothing depends on the clock or on hashing).
"""
from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "content" / "2024" / "01"
FIRST_YEAR = 2001
ISSUES_PER_YEAR = 12
ISSUE_DAY = 20  # 编印 on the 20th of the month of the issue number
# the 文号 of the seed: 机关代字〔年份〕序号号 (as gazette_build.content.DOC_NUMBER)
DOC_NUMBER = re.compile(r"^(?P<code>[\u4e00-\u9fff]+)〔(?P<year>\d{4})〕(?P<serial>[1-9]\d*)号$")
STEM_TAIL = re.compile(r"-\d{4}-\d+$")
# the fields written into synthetic front-matter, in this order (notes are left out)
FIELDS = ("title", "number", "date", "issuer", "section", "disclosure")


def _seed_documents(seed: Path = SEED) -> list[dict]:
    """The seed issue's documents in issue.yaml order: stem, front-matter values and body."""
    issue = yaml.safe_load((seed / "issue.yaml").read_text(encoding="utf-8"))
    stems = issue.get("documents") or sorted(p.stem for p in seed.glob("*.md"))
    documents = []
    for stem in stems:
        text = (seed / f"{stem}.md").read_text(encoding="utf-8").replace("\r\n", "\n")
        lines = text.split("\n")
        if lines[0].strip() != "---":
            raise ValueError(f"{stem}.md: no front-matter")
        closing = next(i for i, line in enumerate(lines[1:], start=1)
                       if line.rstrip() in ("---", "..."))
        meta = yaml.safe_load("\n".join(lines[1:closing])) or {}
        body = "\n".join(lines[closing + 1:])
        code = DOC_NUMBER.match(str(meta["number"]))
        if code is None:
            raise ValueError(f"{stem}.md: unexpected 文号 {meta['number']!r}")
        documents.append({"stem_prefix": STEM_TAIL.sub("", stem), "meta": meta,
                          "code": code["code"], "body": body})
    return documents


def _scalar(value) -> str:
    """A YAML scalar for `value`: plain when that reads back unchanged, else double-quoted."""
    if isinstance(value, dt.date):
        return value.isoformat()
    plain = str(value)
    try:
        if yaml.safe_load(f"k: {plain}") == {"k": plain}:
            return plain
    except yaml.YAMLError:
        pass
    return '"' + plain.replace("\\", "\\\\").replace('"', '\\"') + '"'


def issue_plan(k: int) -> tuple[int, int, int, dt.date]:
    """(year, number, total, 编印 date) of the k-th synthetic issue, k counted from 0."""
    year = FIRST_YEAR + k // ISSUES_PER_YEAR
    number = k % ISSUES_PER_YEAR + 1
    return year, number, k + 1, dt.date(year, number, ISSUE_DAY)


def _issue_files(k: int, seeds: list[dict]) -> dict[str, str]:
    """{path relative to content/: text} for the k-th issue."""
    year, number, total, date = issue_plan(k)
    folder = f"{year}/{number:02d}"
    files: dict[str, str] = {}
    stems = []
    for position, seed in enumerate(seeds):
        serial = (number - 1) * len(seeds) + position + 1
        stem = f"{seed['stem_prefix']}-{year}-{serial}"
        stems.append(stem)
        values = dict(seed["meta"])
        values["title"] = f"{values['title']}（{year}年第{number}期）"
        values["number"] = f"{seed['code']}〔{year}〕{serial}号"
        values["date"] = dt.date(year, number, 1 + 2 * position)
        front = [f"{key}: {_scalar(values[key])}" for key in FIELDS if values.get(key)]
        files[f"{folder}/{stem}.md"] = "---\n" + "\n".join(front) + "\n---\n" + seed["body"]
    if len(set(stems)) != len(stems):
        raise ValueError("the seed stems do not give distinct synthetic stems")
    issue_yaml = [f"year: {year}", f"number: {number}", f"total: {total}",
                  f"date: {date.isoformat()}", "documents:"] + [f"  - {s}" for s in stems]
    files[f"{folder}/issue.yaml"] = "\n".join(issue_yaml) + "\n"
    return files


def make_archive(out: Path, issues: int) -> Path:
    """Write a site folder with `issues` synthetic issues into `out`; return `out`.

    `out` must be missing, empty, or a folder this function made before (site.yaml and
    content/ present); in the last case its site.yaml, content/, layouts/ and assets/ are
    replaced.
    """
    if issues < 1:
        raise ValueError("issues must be at least 1")
    out = Path(out)
    if out.exists():
        if not out.is_dir():
            raise FileExistsError(f"{out} exists and is not a folder")
        leftovers = {p.name for p in out.iterdir()}
        if leftovers and not {"site.yaml", "content"} <= leftovers:
            raise FileExistsError(f"{out} is not empty and is not an archive made by make_archive")
        for name in ("content", "layouts", "assets"):
            shutil.rmtree(out / name, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO / "site.yaml", out / "site.yaml")
    for name in ("layouts", "assets"):
        shutil.copytree(REPO / name, out / name,
                        ignore=shutil.ignore_patterns(".*", "__pycache__"))
    seeds = _seed_documents()
    content = out / "content"
    for k in range(issues):
        for relative, text in _issue_files(k, seeds).items():
            path = content / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.make_archive",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, metavar="OUT_DIR")
    parser.add_argument("--issues", type=int, default=250, help="number of issues (default 250)")
    args = parser.parse_args(argv)
    out = make_archive(args.out, args.issues)
    print(f"{out}: {args.issues} issues, {args.issues * len(_seed_documents())} documents",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
