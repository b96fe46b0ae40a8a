from tests.e2e.test_reporter_v2 import phone_at

def test_measure(browser, contexts, server):
    page = phone_at(browser, contexts, {"width": 360, "height": 740})
    for lang in ("nl",):
        page.goto(server.url + "/melden")
        h = page.evaluate("document.documentElement.scrollHeight")
        fh = page.evaluate("document.getElementById('report-form').getBoundingClientRect().height")
        print("MEASURE", lang, h, fh)
        page.screenshot(path="/tmp/rep/form_before.png", full_page=True)
        page.click("#report-form button[type=submit]")
        page.wait_for_load_state()
        print("MEASURE errors", page.evaluate("document.documentElement.scrollHeight"))
        print(page.inner_text(".flash.error"))
