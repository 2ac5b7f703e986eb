"""Every flow by keyboard alone, and 关怀模式 (care mode) from switching on to switching off.

The keyboard journeys press only Tab, Shift+Tab, Enter, Space and arrow keys and type text:
no click, no `fill`, no `goto` after the first page. On every stop the focused element must
show a focus ring (3 px, 4 px in care mode) and be on the screen; the order of stops must
follow the page; Tab must get through a whole page and out again (no keyboard trap).
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Locator
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.conftest import DEMO_PASSWORD
from tests.e2e.conftest import DESKTOP
from tests.e2e.conftest import PHONE
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e

# What the focused element looks like: enough to name it in a message and to check its ring.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const r = el.getBoundingClientRect();
  const cs = getComputedStyle(el);
  const label = el.labels && el.labels.length ? el.labels[0].textContent : "";
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    index: el.dataset.kbIndex ?? null,
    text: (label || el.getAttribute("aria-label") || el.textContent || el.value || "")
      .trim().replace(/\\s+/g, " ").slice(0, 50),
    outlineStyle: cs.outlineStyle,
    outlineWidth: parseFloat(cs.outlineWidth),
    top: r.top, bottom: r.bottom, left: r.left, right: r.right,
    width: innerWidth, height: innerHeight,
  };
}"""

# Number every place Tab should stop at, in document order: links, buttons, fields, the
# summaries of <details>; one stop per radio group; nothing hidden, disabled or tabindex=-1.
MARK_TAB_STOPS = """() => {
  const candidates = document.querySelectorAll(
    "a[href], button, input, select, textarea, summary, [tabindex]");
  const radioGroups = new Set();
  let n = 0;
  for (const el of candidates) {
    delete el.dataset.kbIndex;
    if (el.disabled || el.type === "hidden" || el.getAttribute("tabindex") === "-1") continue;
    if (el.closest("[inert], [aria-hidden=true]")) continue;
    const closed = el.closest("details:not([open])");
    if (closed && el !== closed.querySelector("summary")) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (getComputedStyle(el).visibility === "hidden") continue;
    if (el.type === "radio") {
      const key = (el.form ? el.form.id : "") + "/" + el.name;
      if (radioGroups.has(key)) continue;
      radioGroups.add(key);
    }
    el.dataset.kbIndex = String(n++);
  }
  return n;
}"""


def focused(page: Page) -> dict | None:
    return page.evaluate(FOCUSED)


def assert_focus_shows(page: Page, stop: dict, *, care: bool = False) -> None:
    """The focused element has a visible ring of the mode's width and is on the screen."""
    where = f"{stop['tag']}#{stop['id']} “{stop['text']}” on {page.url}"
    assert stop["outlineStyle"] not in ("none", "hidden"), f"no focus ring: {where}"
    assert stop["outlineWidth"] >= (4 if care else 3), f"thin focus ring: {where}"
    assert stop["bottom"] > 0 and stop["top"] < stop["height"], f"focus off screen: {where}"
    assert stop["right"] > 0 and stop["left"] < stop["width"], f"focus off screen: {where}"


def tab_to(page: Page, target: Locator, *, care: bool = False, limit: int = 120) -> list[dict]:
    """Press Tab until `target` has the focus, checking every stop on the way; the stops."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = focused(page)
        if stop is not None:
            assert_focus_shows(page, stop, care=care)
            stops.append(stop)
        if target.evaluate("el => el === document.activeElement"):
            return stops
    names = " → ".join(s["text"] for s in stops[-15:])
    raise AssertionError(f"Tab never reached {target} on {page.url}; last stops: {names}")


def to_top(page: Page) -> None:
    """Move the keyboard's starting point to the top of the page, as a fresh load has it: a
    throw-away focusable element first in <body>, focused, then removed."""
    page.evaluate(
        """() => { const s = document.createElement("span"); s.tabIndex = -1;
                   document.body.prepend(s); s.focus(); s.remove(); window.scrollTo(0, 0); }"""
    )


def assert_no_keyboard_trap(page: Page, *, care: bool = False) -> int:
    """From the top of the page, Tab visits every tab stop once, in document order, and
    leaves the page after the last one. Returns the number of stops."""
    expected = page.evaluate(MARK_TAB_STOPS)
    assert expected > 0
    to_top(page)
    page.keyboard.press("Tab")
    seen: list[int] = []
    for _ in range(expected + 5):
        stop = focused(page)
        if stop is None:
            break  # focus left the document: out of the page, no trap
        assert stop["index"] is not None, f"Tab stopped on an unexpected element: {stop}"
        index = int(stop["index"])
        if seen and index == seen[0]:
            break  # came round to the first stop again
        assert_focus_shows(page, stop, care=care)
        seen.append(index)
        page.keyboard.press("Tab")
    assert seen == list(range(expected)), (
        f"on {page.url}: {expected} tab stops in the page, Tab visited {len(seen)}"
        f" (first out of order: {next((i for i, s in enumerate(seen) if s != i), None)})"
    )
    return expected


def press_enter_and_wait(page: Page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")


# --- 1. a resident comments by keyboard alone ---------------------------------------------


@pytest.mark.parametrize("mode", ["normal", "care"])
def test_resident_comments_by_keyboard_alone(page: Page, base_url, app_db, mode):
    from consult.consultations.models import Consultation
    from consult.core.time import now_utc

    with app_db() as db:
        now = now_utc()
        target = next(
            c
            for c in db.session.scalars(sa.select(Consultation).order_by(Consultation.closes_at))
            if c.status_at(now) == "open" and len(c.clauses) >= 2
        )
        title = target.title
    care = mode == "care"
    if care:
        page.context.add_cookies([{"name": "care", "value": "1", "url": base_url}])

    page.goto("/")
    # The first Tab stop is the skip link, shown when focused; Enter moves into the content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳至正文")
    expect(skip).to_be_focused()
    assert_focus_shows(page, focused(page), care=care)
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    assert assert_no_keyboard_trap(page, care=care) > 10

    # Header → 征求意见 → the consultation.
    to_top(page)
    nav = page.get_by_role("navigation", name="主导航")
    tab_to(page, nav.get_by_role("link", name="征求意见"), care=care)
    press_enter_and_wait(page)
    expect(page).to_have_url(re.compile(r"/consultations$"))
    tab_to(page, page.get_by_role("main").get_by_role("link", name=title).first, care=care)
    press_enter_and_wait(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)

    # The whole consultation page can be tabbed through without a trap.
    assert_no_keyboard_trap(page, care=care)

    # "对本征求意见稿提出意见" jumps to the form; the next Tab is the form's first field.
    to_top(page)
    tab_to(page, page.get_by_role("link", name="对本征求意见稿提出意见"), care=care)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#comment-form$"))
    form = page.locator("#comment-form")
    clause = form.get_by_label("意见所涉内容")
    stops = tab_to(page, clause, limit=3, care=care)
    assert len(stops) <= 2, "the form's first field is not next after the jump"
    page.keyboard.press("ArrowDown")  # the first clause instead of the draft as a whole
    expect(clause).not_to_have_value("")

    body = form.get_by_role("textbox", name="您的意见", exact=True)
    name = form.get_by_role("textbox", name="您的姓名")
    consent = form.get_by_role("checkbox", name=re.compile("^我同意公开规则"))
    rules = form.locator("details.rules summary")
    submit = form.get_by_role("button", name="提交意见")
    tab_to(page, body, limit=2, care=care)
    page.keyboard.type(
        "建议在小区出入口增设无障碍坡道，方便老年人和轮椅使用者出行，施工期间请提前公告。"
    )
    tab_to(page, name, limit=2, care=care)
    page.keyboard.type("王秀英")
    # Shift+Tab goes back to the comment, Tab forward again: the order is the page's.
    page.keyboard.press("Shift+Tab")
    expect(body).to_be_focused()
    page.keyboard.press("Tab")
    expect(name).to_be_focused()
    stops = tab_to(page, consent, limit=6, care=care)
    ids = [s["id"] for s in stops]
    assert ids[:-1] == ["show_name", "contact", "attachment"], ids  # then the consent
    page.keyboard.press("Space")
    expect(consent).to_be_checked()

    # The publication rules open and close with Enter and with Space.
    tab_to(page, rules, limit=2, care=care)
    details = form.locator("details.rules")
    page.keyboard.press("Enter")
    expect(details).to_have_attribute("open", "")
    page.keyboard.press("Space")
    expect(details).not_to_have_attribute("open", "")

    tab_to(page, submit, limit=2, care=care)
    press_enter_and_wait(page)
    expect(page.get_by_role("heading", level=1, name="意见回执")).to_be_visible()
    expect(page.locator(".receipt-number")).to_have_text(re.compile(r"ZX-\d{4}-"))


# --- 2. staff sign in and answer a comment by keyboard alone -------------------------------

# The first consultation on the staff dashboard still waiting for its feedback. (The demo's
# 住建局 has none waiting: the government office's dashboard lists every department's.)
AWAITING = "section[aria-labelledby=awaiting-h] a.card-title"


def test_staff_sign_in_and_answer_a_comment_by_keyboard(page: Page):
    page.goto("/")
    nav = page.get_by_role("navigation", name="主导航")
    tab_to(page, nav.get_by_role("link", name="登录"))
    press_enter_and_wait(page)
    expect(page).to_have_url(re.compile(r"/login"))

    main = page.get_by_role("main")
    tab_to(page, main.get_by_label("电子邮箱"))
    page.keyboard.type(ADMIN)
    page.keyboard.press("Tab")
    expect(main.get_by_label("密码")).to_be_focused()
    page.keyboard.type(DEMO_PASSWORD)
    press_enter_and_wait(page)  # Enter in a field submits its form
    assert "/login" not in page.url

    tab_to(page, nav.get_by_role("link", name="管理", exact=True))
    press_enter_and_wait(page)
    expect(page).to_have_url(re.compile(r"/manage/$"))
    tab_to(page, page.locator(AWAITING).first, limit=200)
    press_enter_and_wait(page)
    expect(page).to_have_url(re.compile(r"/manage/consultations/\d+/feedback"))
    expect(page.locator("#bulk-form")).to_be_visible()

    # The first comment not yet answered: 采纳 with the arrow key, saved with Enter.
    article = page.locator("article.fb-comment.unanswered").first
    comment_id = article.get_attribute("id")
    select = article.get_by_label("采纳情况")
    tab_to(page, select, limit=300)
    page.keyboard.press("ArrowDown")
    expect(select).to_have_value("adopted")
    tab_to(page, article.get_by_role("button", name="保存答复"), limit=4)
    press_enter_and_wait(page)
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(f"#{comment_id}").get_by_label("采纳情况")).to_have_value("adopted")
    expect(page.locator(f"#{comment_id}")).not_to_have_class(re.compile("unanswered"))


def test_staff_workspace_has_no_keyboard_trap(page: Page):
    log_in(page, ADMIN, english=False)
    page.goto("/manage/")
    page.locator(AWAITING).first.click()
    expect(page.locator("#bulk-form")).to_be_visible()
    assert assert_no_keyboard_trap(page) > 20


# --- 3. care mode: on, larger, remembered, off ---------------------------------------------


def _main_text_px(page: Page) -> float:
    return page.evaluate("parseFloat(getComputedStyle(document.querySelector('main p')).fontSize)")


def _care_switch(page: Page) -> Locator:
    return page.get_by_role("banner").get_by_role("button", name="关怀模式")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_care_mode_is_switched_on_remembered_and_switched_off(browser, base_url, device):
    options = DESKTOP if device == "desktop" else PHONE
    context = browser.new_context(base_url=base_url, **options)
    page = context.new_page()
    page.goto("/")
    switch = _care_switch(page)
    expect(switch).to_have_attribute("aria-pressed", "false")
    expect(switch).to_contain_text("关")
    normal = _main_text_px(page)
    assert normal < 18

    # On, by keyboard: the same page comes back in care mode.
    tab_to(page, switch)
    press_enter_and_wait(page)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("html")).to_have_class("care")
    switch = _care_switch(page)
    expect(switch).to_have_attribute("aria-pressed", "true")
    expect(switch).to_contain_text("开")
    care = _main_text_px(page)
    assert care >= 18 and care > normal * 1.15, (normal, care)
    h1 = page.evaluate("parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)")
    assert h1 > care * 1.3
    # The focus ring is thicker in care mode.
    page.keyboard.press("Tab")
    assert_focus_shows(page, focused(page), care=True)
    page.screenshot(path=str(ARTIFACTS / f"care-journey-{device}.png"), full_page=True)

    # A new page load: the server paints it in care mode from the first byte.
    response = page.goto("/consultations")
    assert re.search(r'<html lang="zh-Hans" class="care">', response.text())
    assert _main_text_px(page) >= 18

    # A new visit (the browser closed and opened again with its cookies).
    state = context.storage_state()
    assert [c for c in state["cookies"] if c["name"] == "care" and c["value"] == "1"]
    context.close()
    context = browser.new_context(base_url=base_url, storage_state=state, **options)
    page = context.new_page()
    page.goto("/catalogue")
    expect(page.locator("html")).to_have_class("care")

    # Off again: normal text, the cookie gone, and it stays off.
    _care_switch(page).click()
    page.wait_for_load_state()
    expect(page.locator("html")).not_to_have_class("care")
    expect(_care_switch(page)).to_have_attribute("aria-pressed", "false")
    assert not [c for c in context.cookies() if c["name"] == "care"]
    page.goto("/")
    assert _main_text_px(page) == normal
    context.close()


def test_care_switch_works_without_javascript(browser, base_url):
    context = browser.new_context(base_url=base_url, java_script_enabled=False, **DESKTOP)
    page = context.new_page()
    page.goto("/receipts?x=1")
    _care_switch(page).click()
    page.wait_for_load_state()
    expect(page).to_have_url(re.compile(r"/receipts\?x=1$"))
    expect(page.locator("html")).to_have_class("care")
    context.close()


@pytest.mark.parametrize(
    ("motion", "care", "moving"),
    [("no-preference", False, 1), ("reduce", False, 0), ("no-preference", True, 0)],
    ids=["normal", "reduced-motion", "care"],
)
def test_reduced_motion_and_care_mode_stop_transitions(browser, base_url, motion, care, moving):
    """A transition planted on the links (the stylesheet has none of its own; a later change
    might add one) runs in normal mode, and is cut when the system asks for less motion or
    care mode is on."""
    context = browser.new_context(
        base_url=base_url, reduced_motion=motion, bypass_csp=True, **DESKTOP
    )
    if care:
        context.add_cookies([{"name": "care", "value": "1", "url": base_url}])
    page = context.new_page()
    page.goto("/")
    page.add_style_tag(
        content="main a { transition: color 10s linear; } main a:hover { color: red; }"
    )
    page.locator("main a").first.hover()
    assert page.evaluate("document.getAnimations().length") == moving
    context.close()
