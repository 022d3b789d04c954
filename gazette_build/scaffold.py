"""`gazette new site DIR` and `gazette new issue`: folders that build at once.

A new site gets a commented site.yaml, the layouts and stylesheets this package ships with (so a
new gazette starts from the same design: in an installed wheel they are gazette_build/starter/,
copied there by setup.py; in a checkout, the repository's own) and one example issue. A new
issue continues the archive: the year, 第N期 (1 in a new year) and 总第N期 follow the latest
issue, the 编印 date is today's; its documents are then imported or written.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import yaml

from .errors import Report

STARTER = ("layouts", "assets")
PACKAGED = Path(__file__).resolve().parent / "starter"  # in a wheel (setup.py puts them there)
SOURCE_TREE = Path(__file__).resolve().parent.parent  # in a checkout or an editable install

SITE_YAML = """\
# The gazette's identity and the web/print settings (see docs/content-format.md).
# Unknown keys are errors; `gazette check` says which line is wrong.
title: 示例市人民政府公报                # the masthead and every page title
title_roman: SHILI SHI RENMIN ZHENGFU GONGBAO  # romanised masthead on the cover
slug: slgb                      # file names of the issue PDFs: slgb-{year}-01.pdf
publisher: 示例市人民政府办公室    # 主管主办
editor_printer: 示例市人民政府办公室  # 编辑印刷单位
address: 示例省示例市人民路1号
phone: （0000）1234567
base_url: https://www.example.gov.cn/gongbao/   # where the web edition is published
language: zh-CN
output: public                  # the web edition and the PDFs are written here

# 栏目, in the order of the 目录, and the issuers (发文机关) whose documents each holds.
sections:
  - name: 市政府文件
    issuers: [示例市人民政府]
  - name: 市政府办公室文件
    issuers: [示例市人民政府办公室]

# Government-site footer (政府网站发展指引). Values come from the site operator: an empty value
# is left out of the pages, never invented.
footer:
  主办单位: 示例市人民政府办公室
  联系方式: （0000）1234567
  网站标识码: ""
  ICP备案号: ""
  公安备案号: ""

# Font families of the printed edition, by GB/T 9704 role (free stand-ins).
fonts:
  title: [Noto Serif CJK SC]            # 小标宋
  body: [FandolFang, Noto Serif CJK SC]  # 仿宋
  heading1: [Noto Sans CJK SC]           # 黑体: 一、
  heading2: [FandolKai, LXGW WenKai]     # 楷体: （一）
  heading3: [FandolFang, Noto Serif CJK SC]
  page_number: [Noto Serif CJK SC]       # 宋体

print:
  press: false   # also write a press copy with 3 mm bleed and crop marks
  pdfa: false    # write PDF/A-3b for archiving, each PDF carrying its Markdown sources
  tagged: false  # tag the PDFs (structure tree in reading order, for screen readers)
  saddle_stitch: true   # pad the issue with blank pages to a multiple of 4 (saddle-stitched booklet)
  new_page: [attachment]  # what starts a new page by editorial rule (document, embedded, attachment)

# Sign every PDF with the office's key (PAdES); see README "The authentic record".
# signing:
#   key: /etc/gazette/office-seal.p12       # PKCS#12, kept out of the repository
#   passphrase_env: GAZETTE_KEY_PASSPHRASE  # the variable's NAME; never the passphrase itself
#   trust: [keys/office-ca.pem]             # CA certificates readers trust (published)
#   timestamp_url: http://tsa.example.cn/tsa  # optional RFC 3161 timestamp service
"""

ISSUE_YAML = """\
# 公报{year}年第{number}期（总第{total}期）
year: {year}
number: {number}         # 第N期
total: {total}          # 总第N期
date: {date}  # 编印 date
# documents:       # optional: the order of the documents (file stems); else file-name order
#   - shizhengfa-{year}-1
# published: {date}  # once published: the next build records the issue and freezes it
"""

EXAMPLE_DOCUMENT = """\
---
title: 示例市人民政府关于印发公报编辑示例的通知
number: 市政发〔{year}〕1号
date: {date}
issuer: 示例市人民政府
disclosure: 此件公开发布
---

各县（区、市）人民政府，市直有关单位：

这是一份示例文件。把各单位报送的 Word 文件用 `gazette import 文件.docx` 导入本期，或照此格式书写。

## 一、标题层次

一级标题写作“## 一、”，二级标题写作“### （一）”，三级标题写作“#### 1.”。

## 二、落款

发文机关、成文日期和（此件公开发布）由前置信息生成，正文中不必再写。
"""


MAX_ISSUES_A_YEAR = 99  # an issue's folder is named with two digits (content/2024/07/)


def issue_folder(root: Path, spec: str | None, report: Report) -> Path | None:
    """The issue folder named `YEAR/NN` (e.g. 2024/02), or the latest one; None (reported)
    when it does not exist."""
    content = root / "content"
    if spec is None:
        latest = latest_issue(content)
        if latest is None:
            report.error(content, 1, "issue", "there is no issue yet; create one with "
                         "`gazette new issue`")
        return latest
    match = re.fullmatch(r"(\d{4})[/-](\d{1,2})", spec.strip())
    if match is None:
        report.error(content, 1, "issue", f"'{spec}' is not an issue: write YEAR/NN, e.g. 2024/02")
        return None
    folder = content / match[1] / f"{int(match[2]):02d}"
    if not (folder / "issue.yaml").is_file():
        report.error(folder, 1, "issue", f"there is no issue {spec} (no {report.relative(folder)}/"
                     "issue.yaml); create it with `gazette new issue`")
        return None
    return folder


def latest_issue(content: Path) -> Path | None:
    folders = [p.parent for p in content.glob("[0-9][0-9][0-9][0-9]/[0-9][0-9]/issue.yaml")]
    return max(folders, key=lambda p: (p.parent.name, p.name), default=None)


def new_issue(root: Path, report: Report, today: dt.date | None = None) -> Path | None:
    """Create the issue after the latest one; return its folder (None, reported, on a problem)."""
    today = today or dt.date.today()
    content = root / "content"
    latest = latest_issue(content)
    year, number, total = today.year, 1, 1
    if latest is not None:
        try:
            values = yaml.safe_load((latest / "issue.yaml").read_text(encoding="utf-8"))
            last_year, last_number, last_total = (int(values[k]) for k in ("year", "number",
                                                                            "total"))
        except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, OverflowError):
            # OverflowError: `number: .inf`, a float int() cannot take
            report.error(latest / "issue.yaml", 1, "issue.yaml", "cannot be read to continue "
                         "the numbering; run `gazette check` and fix it first")
            return None
        year = max(today.year, last_year)
        number = last_number + 1 if year == last_year else 1
        total = last_total + 1
    if number > MAX_ISSUES_A_YEAR:
        report.error(latest / "issue.yaml", 1, "issue", f"{year} already has {number - 1} "
                     "issues, as many as the issue folders' two digits can name; the next "
                     f"issue is in {year + 1}")
        return None
    folder = content / str(year) / f"{number:02d}"
    if folder.exists():
        report.error(folder, 1, "issue", "already exists")
        return None
    folder.mkdir(parents=True)
    (folder / "issue.yaml").write_text(
        ISSUE_YAML.format(year=year, number=number, total=total, date=today.isoformat()),
        encoding="utf-8")
    return folder


def new_site(target: Path, report: Report, today: dt.date | None = None) -> bool:
    """Create a site folder that builds at once: site.yaml, layouts, assets, one issue."""
    today = today or dt.date.today()
    if target.exists() and any(target.iterdir()):
        report.error(target, 1, "site", "is not empty; give a new folder")
        return False
    starter = next((place for place in (PACKAGED, SOURCE_TREE)
                    if all((place / folder).is_dir() for folder in STARTER)), None)
    if starter is None:
        report.error(PACKAGED, 1, "site", "the layouts and assets that ship with gazette are "
                     "missing from its installation; reinstall it")
        return False
    target.mkdir(parents=True, exist_ok=True)
    (target / "site.yaml").write_text(SITE_YAML.format(year=today.year), encoding="utf-8")
    for folder in STARTER:
        shutil.copytree(starter / folder, target / folder)
    (target / ".gitignore").write_text("public/\n.gazette-cache/\n.gazette-preview/\n",
                                       encoding="utf-8")
    issue = new_issue(target, report, today)
    if issue is None:
        return False
    (issue / f"shizhengfa-{today.year}-1.md").write_text(
        EXAMPLE_DOCUMENT.format(year=today.year, date=today.isoformat()), encoding="utf-8")
    return True
