"""Readers on phones and older readers, measured in Chromium: text that follows the browser's
font setting, the 长者模式 switch, pages that reflow at 320 px and at 200 % zoom, tables that
scroll (visibly, by keyboard, with their header in view, numbers on the right), contents lists
and anchors for long documents, and the issue page's 目录 page numbers kept in their entries."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from browser import CHROMIUM, CHROMIUM_FLAGS, axe_violations

PAGES = ["index.html", "2024/index.html", "2024/01/index.html",
         "2024/01/shizhengbanfa-2024-3/index.html", "2024/01/shizhengbanfa-2023-48/index.html",
         "search/index.html"]
LONG = "2024/01/shizhengbanfa-2024-3/index.html"  # 15 headings in the notice, a 24-row table
TABLE = "2024/01/shizhengbanfa-2023-48/index.html"  # the charging-pile table, numbers
SIZES = """() => Object.fromEntries([['body', 'main p'], ['meta', '.doc-meta td'],
    ['footer', '.site-footer p'], ['title', 'h1'], ['nav', '.topnav a'], ['input', 'input, select']]
    .map(([name, selector]) => [name, document.querySelector(selector)]).filter(([, e]) => e)
    .map(([name, e]) => [name, parseFloat(getComputedStyle(e).fontSize)]))"""


def sizes_with_default_font(chromium, profiles: Path, url: str, default_px: int) -> dict:
    """Font sizes on the page in a Chromium whose default font size is set as a reader would
    set it (the profile's preference), not by the page."""
    profile = profiles / f"profile-{default_px}"
    (profile / "Default").mkdir(parents=True, exist_ok=True)
    (profile / "Default" / "Preferences").write_text(json.dumps(
        {"webkit": {"webprefs": {"default_font_size": default_px}}}))
    context = chromium.browser_type.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
    page = context.new_page()
    page.goto(url)
    sizes = page.evaluate(SIZES)
    context.close()
    return sizes


def test_text_sizes_follow_the_browsers_font_setting(chromium, served, tmp_path):
    url = served + LONG
    normal = sizes_with_default_font(chromium, tmp_path, url, 16)
    large = sizes_with_default_font(chromium, tmp_path, url, 24)
    assert set(normal) == {"body", "meta", "footer", "title", "nav", "input"} - {"input"}
    for name, size in normal.items():
        assert large[name] == pytest.approx(size * 1.5, rel=0.02), (name, size, large[name])


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    yield page
    context.close()


def test_elder_mode_switch_on_every_page_enlarges_text_and_is_remembered(phone, served):
    phone.goto(served + LONG)
    before = phone.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    toggle = phone.locator(".elder-toggle")
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    after = phone.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert after >= before * 1.2
    assert phone.evaluate("getComputedStyle(document.body).color") == "rgb(0, 0, 0)"
    assert axe_violations(phone) == []
    for path in PAGES:  # remembered across pages and reloads, and offered everywhere
        phone.goto(served + path)
        assert phone.evaluate("document.documentElement.classList.contains('elder')"), path
        assert phone.locator(".elder-toggle").is_visible(), path
    phone.locator(".elder-toggle").click()
    phone.reload()
    assert not phone.evaluate("document.documentElement.classList.contains('elder')")


SIDEWAYS = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const e of document.querySelectorAll('body *')) {
    if (e.closest('.table-wrap')) continue;  // tables may scroll, inside their own box
    const box = e.getBoundingClientRect();
    if (box.width && (box.right > width + 1 || box.left < -1) && !e.closest('.skip'))
      wide.push(e.tagName + '.' + e.className + ' ' + Math.round(box.right));
  }
  return {page: document.documentElement.scrollWidth - width, wide: wide.slice(0, 5)};
}"""


@pytest.mark.parametrize("width, elder", [(320, False), (320, True), (640, False)],
                         ids=["320px", "320px-elder", "1280px-at-200%"])
def test_nothing_but_tables_scrolls_sideways(chromium, served, width, elder):
    # 200 % zoom of a 1280 px window lays the page out 640 CSS px wide
    context = chromium.new_context(viewport={"width": width, "height": 700})
    page = context.new_page()
    if elder:
        page.goto(served + "index.html")
        page.evaluate("localStorage.setItem('gazette-elder-mode', 'on')")
    for path in PAGES:
        page.goto(served + path)
        assert page.evaluate(SIDEWAYS) == {"page": 0, "wide": []}, (path, width, elder)
    context.close()


def test_tables_scroll_visibly_by_keyboard_with_header_in_view(phone, served):
    phone.goto(served + LONG)
    wrap = phone.locator(".table-wrap").first
    assert wrap.get_attribute("tabindex") == "0" and wrap.get_attribute("role") == "region"
    assert wrap.get_attribute("aria-label")
    assert wrap.evaluate("e => e.scrollWidth > e.clientWidth")
    # a cell of running text keeps a readable line instead of 3-4 characters
    chars_per_line = wrap.evaluate("""e => Math.max(...[...e.querySelectorAll('td')].map(td =>
        td.clientWidth / parseFloat(getComputedStyle(td).fontSize)))""")
    assert chars_per_line >= 12
    hint = wrap.evaluate("e => e.previousElementSibling.className")
    assert hint == "table-hint"  # the reader is told the table scrolls sideways
    wrap.focus()
    phone.keyboard.press("ArrowRight")
    phone.wait_for_timeout(300)
    assert wrap.evaluate("e => e.scrollLeft") > 0
    # the table is taller than the screen: it scrolls in its box and its header row stays
    assert wrap.evaluate("e => e.scrollHeight > e.clientHeight")
    wrap.evaluate("e => { e.scrollTop = 400; }")
    header_top, box_top = wrap.evaluate("""e => [e.querySelector('thead th')
        .getBoundingClientRect().top, e.getBoundingClientRect().top]""")
    assert abs(header_top - box_top) <= 1


def test_numbers_in_tables_are_right_aligned(phone, served):
    phone.goto(served + TABLE)
    aligned = phone.evaluate("""() => [...document.querySelectorAll('.table-wrap td')]
        .filter(td => /^\\d+$/.test(td.textContent.trim()))
        .map(td => getComputedStyle(td).textAlign)""")
    assert aligned and set(aligned) == {"right"}
    words = phone.evaluate("""() => [...document.querySelectorAll('.table-wrap td')]
        .filter(td => /^[\\u4e00-\\u9fff]+$/.test(td.textContent.trim()))
        .map(td => getComputedStyle(td).textAlign)""")
    assert words and "right" not in words


def test_long_documents_have_contents_anchors_and_a_way_back_up(phone, served):
    phone.goto(served + LONG)
    links = phone.eval_on_selector_all(".doc-toc a", "as => as.map(a => a.getAttribute('href'))")
    assert len(links) >= 8
    for href in links:
        assert phone.locator(f"[id='{href[1:]}']").count() == 1, href
    phone.click(f".doc-toc a[href='{links[3]}']")
    assert phone.evaluate("location.hash") == links[3]
    assert phone.evaluate(f"document.getElementById('{links[3][1:]}').getBoundingClientRect().top") < 100
    to_top = phone.locator(".to-top a")
    assert to_top.is_visible()  # in view while reading, far down the document
    to_top.click()
    assert phone.evaluate("window.scrollY") < 50
    short = "2024/01/shizhengfa-2023-56/index.html"
    phone.goto(served + short)
    assert phone.locator(".doc-toc").count() == 0  # a 200-character notice needs no contents


@pytest.mark.parametrize("width", [800, 1024, 1280])
def test_issue_toc_page_numbers_stay_in_their_entry(chromium, served, width):
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(served + "2024/01/index.html")
    boxes = page.eval_on_selector_all(".toc-entry", """entries => entries.map(e => {
        const page = e.querySelector('.toc-page').getBoundingClientRect();
        const title = e.querySelector('.toc-title').getBoundingClientRect();
        const box = e.getBoundingClientRect();
        return {page: [page.top, page.bottom, page.right], title: [title.top, title.right],
                box: [box.top, box.bottom - parseFloat(getComputedStyle(e).borderBottomWidth),
                      box.right]};
    })""")
    context.close()
    assert len(boxes) == 6
    for entry in boxes:
        page_top, page_bottom, page_right = entry["page"]
        box_top, box_bottom, box_right = entry["box"]
        assert box_top <= page_top and page_bottom <= box_bottom + 0.5, entry  # not on the rule
        assert abs(page_right - box_right) <= 1, entry  # flush right, like the printed 目录
