"""Journey 4: the report form completed and sent with the keyboard only
(Tab, Space, Enter, arrows and typing), with a visible focus indicator on
every element that receives focus."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.e2e.steps import look, new_page

FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {id: el.id, name: el.getAttribute('name'), tag: el.tagName.toLowerCase(),
          type: el.getAttribute('type'), value: el.value,
          outline: style.outlineStyle, width: style.outlineWidth,
          visible: el.getBoundingClientRect().width > 0};
}"""


def focused(page: Page) -> dict:
    info = page.evaluate(FOCUS)
    assert info is not None, "focus was lost"
    assert info["outline"] != "none" and info["width"] != "0px", f"no visible focus: {info}"
    assert info["visible"], f"focused element is not visible: {info}"
    return info


def tab_to(page: Page, want, limit: int = 60) -> dict:  # type: ignore[no-untyped-def]
    """Press Tab until `want(info)` holds, checking the focus style at each stop."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = focused(page)
        if want(info):
            return info
    raise AssertionError("never reached the wanted element with Tab")


def test_report_form_by_keyboard_only(server, browser, contexts, a11y, shot):
    page = new_page(browser, contexts)
    page.goto(server.url + "/")
    tab_to(page, lambda f: f["tag"] == "a" and "skip-link" in page.evaluate(
        "document.activeElement.className"))
    shot(page, "skip link focused")
    tab_to(page, lambda f: f["tag"] == "a" and page.evaluate(
        "document.activeElement.getAttribute('href')").endswith("/melden"))
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # Sent empty by keyboard: the error summary's first link takes the focus
    # to the field it names (#22: those links once pointed at missing ids).
    tab_to(page, lambda f: f["tag"] == "button" and f["type"] == "submit" and page.evaluate(
        "document.activeElement.closest('main form') !== null"), limit=120)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".flash.error[role=alert] a").count() >= 1, page.content()[:1500]
    link = tab_to(page, lambda f: f["tag"] == "a" and page.evaluate(
        "document.activeElement.closest('.flash.error') !== null"))
    page.keyboard.press("Enter")
    target = page.evaluate("""() => { const t = document.querySelector(location.hash);
      return t && {id: t.id, name: t.getAttribute('name'),
                   focused: t === document.activeElement}; }""")
    assert target is not None, f"the error summary links to a missing id: {link}"
    assert target["name"] == "track" and target["focused"], target
    shot(page, "error summary link followed by keyboard")

    # From the first option of the report's kind, where the link left the focus.
    assert focused(page)["name"] == "track"
    page.keyboard.press("Space")
    assert page.is_checked("input[name=track][value=advice]")
    tab_to(page, lambda f: f["id"] == "unit")
    page.keyboard.type("Kern")
    assert page.evaluate("document.querySelector('#unit').selectedOptions[0].text") \
        == "Kerndepartement"
    info = tab_to(page, lambda f: f["name"] == "category")
    page.keyboard.press("Space")
    assert page.is_checked(f"input[name=category][value='{info['value']}']")
    tab_to(page, lambda f: f["id"] == "what")
    page.keyboard.type("Een leidinggevende laat declaraties van vrienden zonder bonnetjes toe.")
    shot(page, "form filled by keyboard")
    tab_to(page, lambda f: f["name"] == "identity")
    page.keyboard.press("Space")
    assert page.is_checked("input[name=identity][value=anonymous]")
    tab_to(page, lambda f: f["tag"] == "button" and f["type"] == "submit")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.locator("button[name=step][value=send]").count() == 1, page.content()[:1500]
    look(page, a11y, shot, "review by keyboard")
    tab_to(page, lambda f: f["name"] == "step" and f["value"] == "send")
    shot(page, "send button focused")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("p.receipt").count() == 1, page.content()[:1500]
    look(page, a11y, shot, "receipt by keyboard")


def test_enter_in_a_field_of_the_report_form_goes_on_to_the_review(server, browser, contexts):
    """Enter in a text field sends the form with its default button: the
    first submit button of the form. The page's hidden default "next"
    (reporting/_keep_typing.html) must stay first, before the folded "add
    another person" button of the people rows and the language button."""
    page = new_page(browser, contexts, js=False)
    page.goto(server.url + "/melden")
    page.check("input[name=track][value=advice]")
    page.select_option("#unit", label="Kerndepartement")
    page.check("input[name=category][value=ongewenste_omgangsvormen]")
    page.check("input[name=subcategory][value=pesten]")
    page.check("input[name=identity][value=anonymous]")
    page.fill("#what", "Mijn teamleider scheldt mij uit.")
    page.fill("#when", "sinds september")
    with page.expect_navigation():
        page.press("#when", "Enter")
    assert page.locator("button[name=step][value=send]").count() == 1, page.content()[:1500]
    assert page.locator("fieldset.person-row").count() == 0
