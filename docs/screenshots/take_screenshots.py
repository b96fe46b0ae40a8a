"""Retake the reporter's and staff's screenshots of this folder (#22).

Run against a scratch demo instance (README.md, "Try it"):

    export MELDPUNT_INSTANCE_DIR=/tmp/shots/instance MELDPUNT_KEYS_DIR=/tmp/shots/keys
    .venv/bin/meldpunt init && .venv/bin/meldpunt demo > /tmp/shots/demo.txt
    .venv/bin/meldpunt run --port 5077 &
    .venv/bin/python docs/screenshots/take_screenshots.py http://127.0.0.1:5077 /tmp/shots/demo.txt

It files one anonymous report (the receipt), opens the mailbox with a receipt
code the demo printed, and signs in as the integrity coordinator (TOTP secret
from the demo's output) for the queue and a case page; each at 390 px
(phone-nl-*) and 1280 px (desktop-nl-*), Dutch, full page, Debian's Chromium.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pyotp
from playwright.sync_api import Page, sync_playwright

HERE = Path(__file__).resolve().parent
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def shoot(page: Page, size: str, name: str) -> None:
    page.screenshot(path=str(HERE / f"{size}-nl-{name}.png"), full_page=True)


def main(base: str, demo_output: str) -> None:
    demo = Path(demo_output).read_text(encoding="utf-8")
    receipt = re.search(r"^\s+([A-Z0-9]+(?:-[A-Z0-9]+)+)\s+MP-", demo, re.M)
    secret = re.search(r"ic@demo\.meldpunt\.test\s+\S+\s+TOTP secret (\S+)", demo)
    password = re.search(r"Password for every demo account: (\S+)", demo)
    assert receipt and secret and password, "not the output of `meldpunt demo`"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        used: set[str] = set()
        for size, viewport in SIZES.items():
            phone = size == "phone"
            context = browser.new_context(locale="nl-NL", viewport=viewport, is_mobile=phone,
                                          has_touch=phone, device_scale_factor=1)
            page = context.new_page()
            page.goto(base + "/")
            shoot(page, size, "1-start")
            page.goto(base + "/melden")
            shoot(page, size, "2-report-form")
            page.check("input[name=track][value=report]")
            page.select_option("#unit", label="Kerndepartement")
            page.check("input[name=category][value=ongewenste_omgangsvormen]")
            page.check("input[name=subcategory][value=pesten]")
            page.fill("#what", "Mijn teamleider scheldt mij al weken uit in het werkoverleg.")
            page.check("input[name=identity][value=anonymous]")
            page.click("main form button[type=submit]")
            page.wait_for_load_state()
            shoot(page, size, "3-review")
            page.click("button[name=step][value=send]")
            page.wait_for_load_state()
            shoot(page, size, "4-receipt")
            context.close()

            context = browser.new_context(locale="nl-NL", viewport=viewport, is_mobile=phone,
                                          has_touch=phone, device_scale_factor=1)
            page = context.new_page()
            page.goto(base + "/postbus")
            page.fill("#code", receipt.group(1))
            page.click("main form button[type=submit]")
            page.wait_for_load_state()
            shoot(page, size, "5-mailbox")

            page.goto(base + "/medewerkers/inloggen")
            page.fill("#email", "ic@demo.meldpunt.test")
            page.fill("#password", password.group(1))
            page.click("main form button[type=submit]")
            totp = pyotp.TOTP(secret.group(1))
            code = totp.now()
            while code in used:
                page.wait_for_timeout(1000)
                code = totp.now()
            used.add(code)
            page.fill("#code", code)
            page.click("main form button[type=submit]")
            page.wait_for_load_state()
            page.goto(base + "/medewerkers/zaken/")
            shoot(page, size, "staff-queue")
            page.click("main table a[href*='/medewerkers/zaken/MP-']")
            page.wait_for_load_state()
            shoot(page, size, "staff-case")
            context.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
