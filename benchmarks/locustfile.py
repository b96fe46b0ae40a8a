"""Locust users for the mixed load (issue #11 item 8); started by benchmarks/load.py.

MELDPUNT_BENCH_LOAD names a JSON file with the staff accounts and the case
numbers they may open. Reporters submit reports (sometimes with an
attachment) and come back to their mailbox with their own receipt codes
(never a wrong code: the mailbox throttle is global). Each staff user signs
in once with an account of its own (no TOTP code is used twice, no wrong
password) and then works the queue tabs and case pages.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from pathlib import Path

from locust import HttpUser, between, task

DATA = json.loads(Path(os.environ["MELDPUNT_BENCH_LOAD"]).read_text())
ACCOUNTS: list[dict] = list(DATA["staff"])
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SEND_TOKEN_RE = re.compile(r'name="send_token"[^>]*value="([^"]+)"')
RECEIPT_RE = re.compile(r'<p class="receipt"[^>]*>(.*?)</p>', re.S)
UNIT_RE = re.compile(r'<option[^>]*value="([1-9]\d*)"')
TABS = ("all", "new", "due_soon", "overdue", "mine", "waiting")
PDF = Path(DATA["pdf"]).read_bytes()


class Failed(Exception):
    pass


def csrf(text: str) -> str:
    match = CSRF_RE.search(text)
    if not match:
        raise Failed("no CSRF token on the page")
    return match.group(1)


def send_token(text: str) -> str:
    match = SEND_TOKEN_RE.search(text)
    if not match:
        raise Failed("no send token on the page")
    return match.group(1)


def checked(response, name: str, must: str) -> str:  # type: ignore[no-untyped-def]
    """The page's text, or a failure (counted by locust) when it is not the page
    expected: another status, or `must` (by default a CSRF token) missing."""
    if response.status_code != 200 or (must and must not in response.text):
        response.failure(f"HTTP {response.status_code} at {response.url}"
                         + (f", without {must!r}" if response.status_code == 200 else ""))
        raise Failed(name)
    return response.text


class Reporter(HttpUser):
    # People take their time: reading, typing, coming back later. Shorter waits
    # only measure the queue in front of Argon2id on a small machine.
    weight = 4
    wait_time = between(20, 60)

    def on_start(self) -> None:
        self.codes: list[str] = []
        # Arrivals spread out, not 40 reports in the same second.
        time.sleep(random.uniform(0, 30))

    def _get(self, url: str, name: str, must: str = 'name="csrf_token"') -> str:
        with self.client.get(url, name=name, catch_response=True) as response:
            return checked(response, name, must)

    def _post(self, url: str, name: str, must: str = 'name="csrf_token"', **kwargs) -> str:  # type: ignore[no-untyped-def]
        with self.client.post(url, name=name, catch_response=True, **kwargs) as response:
            return checked(response, name, must)

    @task(2)
    def submit_report(self) -> None:
        self.client.cookies.clear()
        try:
            form = self._get("/melden", "GET /melden")
            unit = UNIT_RE.search(form)
            fields = {
                "track": random.choice(("report", "advice")), "unit": unit.group(1) if unit
                else "1", "category": "ongewenste_omgangsvormen", "subcategory": "pesten",
                "ground": "", "what": "Mijn leidinggevende kleineert mij in het overleg. "
                * random.randint(1, 20), "when": "Sinds maart", "where": "Kamer 4.12",
                "involved": "", "witnesses": "", "reported_elsewhere": "",
                "identity": "anonymous", "name": "", "email": "", "phone": "", "contact": "",
                "preferred_counsellor": "0",
            }
            review = self._post("/melden", "POST /melden (review)",
                                data={"csrf_token": csrf(form), "step": "review", **fields})
            files = {"attachments": ("verslag.pdf", PDF, "application/pdf")} \
                if random.random() < 0.3 else None
            receipt = self._post("/melden", "POST /melden (send)", 'class="receipt"',
                                 data={"csrf_token": csrf(review), "send_token": send_token(review),
                                       "step": "send", **fields},
                                 files=files)
        except Failed:
            return
        match = RECEIPT_RE.search(receipt)
        if match:
            self.codes.append(re.sub(r"<[^>]+>", "", match.group(1)).strip())

    @task(3)
    def read_mailbox(self) -> None:
        if not self.codes:
            self.submit_report()
            return
        self.client.cookies.clear()
        try:
            page = self._get("/postbus", "GET /postbus (sign in)")
            mailbox = self._post("/postbus", "POST /postbus (code)", 'postbus/bericht',
                                 data={"csrf_token": csrf(page),
                                       "code": random.choice(self.codes)})
            if random.random() < 0.5:
                self._post("/postbus/bericht", "POST /postbus/bericht", "",
                           data={"csrf_token": csrf(mailbox),
                                 "body": "Is er al nieuws over mijn melding?"})
                mailbox = self._get("/postbus", "GET /postbus")
            self._post("/postbus/sluiten", "POST /postbus/sluiten", "",
                       data={"csrf_token": csrf(mailbox)})
        except Failed:
            return


class Staff(HttpUser):
    fixed_count = len(ACCOUNTS)
    wait_time = between(3, 10)

    def on_start(self) -> None:
        import pyotp

        self.account = ACCOUNTS.pop()
        self.signed_in = False
        time.sleep(random.uniform(0, 20))
        try:
            with self.client.get("/medewerkers/inloggen", name="GET /medewerkers/inloggen",
                                 catch_response=True) as response:
                page = checked(response, "sign-in page", 'name="csrf_token"')
            with self.client.post("/medewerkers/inloggen", name="POST /medewerkers/inloggen",
                                  catch_response=True,
                                  data={"csrf_token": csrf(page),
                                        "email": self.account["email"],
                                        "password": self.account["password"]}) as response:
                # On to the TOTP step (its page has the form for the code).
                second = checked(response, "password step", 'name="code"')
            code = pyotp.TOTP(self.account["totp_secret"]).now()
            with self.client.post("/medewerkers/inloggen/code",
                                  name="POST /medewerkers/inloggen/code", catch_response=True,
                                  data={"csrf_token": csrf(second), "code": code}) as done:
                checked(done, "TOTP step", "")
                if "/inloggen" in done.url:
                    done.failure(f"sign-in ended at {done.url}")
                    return
        except Failed:
            return
        self.signed_in = True

    @task(3)
    def queue(self) -> None:
        if not self.signed_in:
            return
        tab = random.choice(TABS)
        with self.client.get(f"/medewerkers/zaken/?tab={tab}", name="GET queue",
                             catch_response=True) as response:
            if response.status_code != 200 or "/medewerkers/inloggen" in response.url:
                response.failure(f"HTTP {response.status_code} at {response.url}")

    @task(2)
    def case_page(self) -> None:
        if not self.signed_in or "intake" not in self.account["roles"]:
            return
        number = random.choice(DATA["cases"])
        with self.client.get(f"/medewerkers/zaken/{number}", name="GET case page",
                             catch_response=True) as response:
            if response.status_code != 200 or number not in response.text:
                response.failure(f"HTTP {response.status_code}")
