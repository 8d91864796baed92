"""The shared layout of the pages outside the admin (login, work queue, reports), checked by the
browser itself: labels, WCAG 2.1 AA contrast, the keyboard path, language and landmarks.

The checks run in the page (computed styles, the accessibility of what is actually rendered),
with no package of their own: the contrast formula is WCAG 2.1's relative luminance.
"""

import pytest
from django.utils.translation import override
from playwright.sync_api import expect

from casetracker.core.models import Office
from tests.e2e.test_journeys import PASSWORD, log_in
from tests.factories import (
    CommitteeCaseFactory,
    IncidentFactory,
    LocalOfficeFactory,
    MeasureFactory,
    OfficeFactory,
    SchoolFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Every visible form control without an accessible name from a label, aria-label or aria-labelledby.
UNLABELLED_JS = """
() => {
  const visible = (el) => {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return style.visibility !== "hidden" && style.display !== "none" && box.width > 1 && box.height > 1;
  };
  const text = (el) => (el.textContent || "").trim();
  const unlabelled = [];
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden" || !visible(el)) continue;
    // Buttons made of <input> are named by their value.
    if (["submit", "button", "reset"].includes(el.type) && (el.value || "").trim()) continue;
    const byLabel = el.id && [...document.querySelectorAll("label[for]")].some(
      (label) => label.htmlFor === el.id && text(label));
    const byAria = (el.getAttribute("aria-label") || "").trim();
    const byLabelledby = (el.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean).some(
      (id) => document.getElementById(id) && text(document.getElementById(id)));
    if (!byLabel && !byAria && !byLabelledby) unlabelled.push(el.outerHTML.slice(0, 120));
  }
  return unlabelled;
}
"""

# Every visible text below WCAG 2.1 AA contrast: 4.5:1, or 3:1 for large text (24px, or 18.66px bold).
CONTRAST_JS = """
() => {
  const parse = (value) => {
    const match = /rgba?\\(([^)]+)\\)/.exec(value || "");
    if (!match) return null;
    const parts = match[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return {r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1};
  };
  // A colour with alpha laid over an opaque one.
  const over = (top, below) => ({
    r: top.r * top.a + below.r * (1 - top.a),
    g: top.g * top.a + below.g * (1 - top.a),
    b: top.b * top.a + below.b * (1 - top.a),
    a: 1,
  });
  // The backgrounds from the element up to the first opaque one, laid over each other (white canvas below).
  const background = (el) => {
    const layers = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if (colour && colour.a > 0) {
        layers.push(colour);
        if (colour.a >= 1) break;
      }
    }
    let result = {r: 255, g: 255, b: 255, a: 1};
    for (const layer of layers.reverse()) result = over(layer, result);
    return result;
  };
  // WCAG 2.1 relative luminance and contrast ratio.
  const channel = (value) => {
    const c = value / 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  };
  const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const ratio = (one, two) => {
    const [light, dark] = [luminance(one), luminance(two)].sort((x, y) => y - x);
    return (light + 0.05) / (dark + 0.05);
  };
  const failures = [];
  let checked = 0;
  for (const el of document.querySelectorAll("body *")) {
    if (["SCRIPT", "STYLE", "NOSCRIPT", "TITLE", "OPTION"].includes(el.tagName)) continue;
    const ownText = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim();
    const isValueButton = el.tagName === "INPUT" && ["submit", "button", "reset"].includes(el.type) && el.value;
    const isField = ["INPUT", "SELECT", "TEXTAREA"].includes(el.tagName) && !isValueButton
      && el.type !== "hidden" && (el.value || (el.tagName === "SELECT" && el.selectedOptions.length));
    if (!ownText && !isValueButton && !isField) continue;
    if (el.disabled) continue;  // WCAG exempts inactive controls
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    // Not visible: hidden, clipped to a pixel (visually-hidden text for screen readers), or off the page.
    if (style.visibility === "hidden" || style.display === "none" || box.width <= 1 || box.height <= 1) continue;
    if (box.bottom <= 0 || box.right <= 0) continue;
    let opacity = 1;
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      opacity *= Number(getComputedStyle(node).opacity);
    }
    if (opacity === 0) continue;
    const svg = el instanceof SVGElement;
    const fg = parse(svg ? style.fill : style.color);
    if (!fg) {
      failures.push({text: ownText.slice(0, 60), reason: "colour not computable: " + (svg ? style.fill : style.color)});
      continue;
    }
    const bg = background(el);
    const shown = over({...fg, a: fg.a * opacity}, bg);
    const size = parseFloat(style.fontSize);
    const bold = Number(style.fontWeight) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    const needed = large ? 3 : 4.5;
    const value = ratio(shown, bg);
    checked += 1;
    if (value + 1e-6 < needed) {
      failures.push({
        text: (ownText || el.value || "").slice(0, 60),
        element: el.tagName.toLowerCase() + (typeof el.className === "string" ? "." + el.className : ""),
        ratio: Math.round(value * 100) / 100,
        needed,
      });
    }
  }
  return {checked, failures};
}
"""

# The keyboard at the top of the page: Tab goes to the first focusable element. (The login page
# puts the focus in the username field as it opens; a keyboard user who starts over from the top
# must still meet the skip link first.)
TO_THE_TOP_JS = """
() => {
  document.body.tabIndex = -1;
  document.body.focus();
  document.body.removeAttribute("tabindex");
  window.scrollTo(0, 0);
}
"""

# What has the keyboard focus, and whether the focus shows.
FOCUSED_JS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow && style.boxShadow !== "none";
  return {
    tag: el.tagName.toLowerCase(),
    text: (el.innerText || el.value || "").trim(),
    href: el.getAttribute("href"),
    classes: typeof el.className === "string" ? el.className : "",
    inNav: Boolean(el.closest("nav")),
    inLanguageSwitch: Boolean(el.closest(".language-switch")),
    inMain: Boolean(el.closest("main")),
    indicator: outline || Boolean(shadow),
    onScreen: box.width > 1 && box.height > 1 && box.top >= 0 && box.left >= 0 && box.bottom <= innerHeight,
  };
}
"""


@pytest.fixture
def scope(db):
    """An office with a case in each stage that the queue and the reports show, a clerk and a supervisor."""
    office = OfficeFactory(code="seoul", name_ko="서울특별시교육청", name_en="Seoul Metropolitan Office of Education")
    local = LocalOfficeFactory(office=office, name_ko="서울강남서초교육지원청", name_en="Gangnam Seocho")
    school = SchoolFactory(office=office, local_office=local, name_ko="서울시험고등학교", name_en="Seoul Test High")
    for _ in range(5):
        MeasureFactory(committee_case__incident__office=office, committee_case__incident__school=school)
    CommitteeCaseFactory(incident=IncidentFactory(office=office, school=school))
    clerk = UserFactory(username="clerk_seoul", office=office, is_staff=True)
    supervisor = UserFactory(username="supervisor_seoul", supervisor=True, office=office, is_staff=True)
    assert clerk.check_password(PASSWORD) and supervisor.check_password(PASSWORD)
    return {"office": office, "clerk": clerk, "supervisor": supervisor}


def sign_in(new_page, user, language: str):
    """A page of ``user`` signed in, in ``language`` (the account's language decides after login)."""
    type(user).objects.filter(pk=user.pk).update(language=language)
    page = new_page(language)
    log_in(page, user.get_username())
    return page


def unlabelled_controls(page) -> list[str]:
    return page.evaluate(UNLABELLED_JS)


def contrast_failures(page) -> list[dict]:
    result = page.evaluate(CONTRAST_JS)
    assert result["checked"] > 5, "no text was checked: the check itself is broken"
    return result["failures"]


def tab_path(page, presses: int = 25) -> list[dict]:
    """The elements the Tab key reaches from the top of the page, in order."""
    page.reload()
    page.evaluate(TO_THE_TOP_JS)
    path = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        if focused is None:
            break
        path.append(focused)
        if focused["inMain"]:
            break
    return path


def check_page(page, *, language: str, signed_in: bool) -> None:
    """Every check of the shared layout on the page that is open; fails listing all that is wrong."""
    problems = []
    # (d) the language, one h1, the landmarks
    if page.locator("html").get_attribute("lang") != language:
        problems.append(f"html lang is {page.locator('html').get_attribute('lang')!r}, not {language!r}")
    if page.locator("h1").count() != 1:
        problems.append(f"{page.locator('h1').count()} h1 elements: {page.locator('h1').all_inner_texts()}")
    landmarks = ["header", "main", "nav"] if signed_in else ["header", "main"]
    problems += [f"no <{name}> landmark" for name in landmarks if page.locator(name).count() == 0]
    if page.locator("main").count() > 1:
        problems.append("more than one <main>")
    # (a) labels
    problems += [f"no label: {control}" for control in unlabelled_controls(page)]
    # (b) contrast
    problems += [f"contrast: {failure}" for failure in contrast_failures(page)]
    # (c) the keyboard: the skip link first and visible, then the navigation and the language switch
    path = tab_path(page)
    first = path[0] if path else {}
    if first.get("tag") != "a" or first.get("href") not in ("#main", "#content-start"):
        problems.append(f"the first Tab stop is not the skip link: {first}")
    elif not first["onScreen"]:
        problems.append("the skip link is not visible when focused")
    before_main = [step for step in path if not step["inMain"]]
    if not any(step["inLanguageSwitch"] for step in before_main):
        problems.append(f"the language switch is not reached before the content: {path}")
    if signed_in and not any(step["inNav"] and step["tag"] == "a" for step in before_main):
        problems.append(f"the navigation is not reached before the content: {path}")
    problems += [f"no visible focus on {step}" for step in path if not step["indicator"]]
    # The skip link takes the keyboard to the content.
    page.reload()
    page.evaluate(TO_THE_TOP_JS)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    if not page.evaluate("() => Boolean(document.activeElement.closest('main'))"):
        problems.append("the skip link does not move the focus to the content")
    assert not problems, "\n".join(problems)


def check_masthead(page, user, *, language: str) -> None:
    """The product name, the user's role and office, and the language switch to the other language."""
    header = page.locator("header").first
    expect(header).to_contain_text("casetracker")
    with override(language):
        role, office = str(user.get_role_display()), str(Office.objects.get(pk=user.office_id))
    expect(header).to_contain_text(role)
    expect(header).to_contain_text(office)
    other = {"ko": "English", "en": "한국어"}[language]
    expect(header.locator(".language-switch button")).to_have_text(other)


@pytest.mark.parametrize("language", ["ko", "en"])
def test_login_page(new_page, scope, language):
    page = new_page(language)
    page.goto("/admin/login/")
    check_page(page, language=language, signed_in=False)
    expect(page.locator(".language-switch button")).to_have_text({"ko": "English", "en": "한국어"}[language])


@pytest.mark.parametrize("language", ["ko", "en"])
def test_work_queue_of_a_clerk(new_page, scope, language):
    page = sign_in(new_page, scope["clerk"], language)
    page.goto("/queue/")
    check_page(page, language=language, signed_in=True)
    check_masthead(page, scope["clerk"], language=language)


@pytest.mark.parametrize(
    "url", ["/queue/takedowns/", "/queue/retention/", "/queue/identities/", "/queue/?sort=-case&due=bogus"]
)
def test_the_other_lists_of_a_clerk(new_page, scope, url):
    """The same table template: the takedowns, retention and identities lists, a sorted queue with a filter in error."""
    page = sign_in(new_page, scope["clerk"], "ko")
    page.goto(url)
    check_page(page, language="ko", signed_in=True)


@pytest.mark.parametrize("language", ["ko", "en"])
def test_reports_index_of_a_supervisor(new_page, scope, language):
    page = sign_in(new_page, scope["supervisor"], language)
    page.goto("/reports/")
    check_page(page, language=language, signed_in=True)
    check_masthead(page, scope["supervisor"], language=language)


@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_report_of_a_supervisor(new_page, scope, language):
    page = sign_in(new_page, scope["supervisor"], language)
    page.goto("/reports/offices/")
    check_page(page, language=language, signed_in=True)
    check_masthead(page, scope["supervisor"], language=language)


FAULTS_JS = """
() => {
  const main = document.querySelector("main");
  const grey = document.createElement("p");
  grey.textContent = "grey on white";
  grey.style.color = "#aaaaaa";  // 2.3:1 on white
  main.append(grey);
  const large = document.createElement("p");
  large.textContent = "large grey on white";
  large.style.cssText = "color: #8a8a8a; font-size: 30px";  // 3.4:1: enough for large text
  main.append(large);
  const unlabelled = document.createElement("input");
  unlabelled.name = "unlabelled";
  main.append(unlabelled);
  const skip = document.querySelector(".skip-link");
  skip.style.outline = "none";
  skip.style.boxShadow = "none";
}
"""


def test_the_checks_find_what_is_wrong(new_page, scope):
    """The checks themselves: low contrast, a control without a label and a focus that does not show
    are caught (CSSOM styles, which the CSP allows, stand in for a faulty stylesheet)."""
    page = sign_in(new_page, scope["supervisor"], "en")
    page.goto("/reports/")
    page.evaluate(FAULTS_JS)
    assert [failure["text"] for failure in contrast_failures(page)] == ["grey on white"]
    assert unlabelled_controls(page) == ['<input name="unlabelled">']
    page.evaluate(TO_THE_TOP_JS)
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED_JS)
    assert focused["classes"] == "skip-link" and not focused["indicator"]
