"""The demo organisation has persons concerned (issue #24): one person named
in two cases, spelled differently, so a newcomer signed in as the integrity
coordinator sees the repeat signal on both, her hearing, a deferred notice
due for review and her access request, and makes a redacted extract."""

from __future__ import annotations

import re

import pyotp

from app.cli.demo import DEMO_PASSWORD, demo_email, seed_demo
from app.cli.demo_year import REPEATED, REPEATED_ELSEWHERE
from tests.conftest import IsolatedClient, post_form


def _sign_in(app, secrets, local):  # type: ignore[no-untyped-def]
    client = IsolatedClient(app, app.response_class, use_cookies=True)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    email = demo_email(local)
    post_form(client, "/medewerkers/inloggen", {"email": email, "password": DEMO_PASSWORD})
    post_form(client, "/medewerkers/inloggen/code", {"code": pyotp.TOTP(secrets[email]).now()})
    return client


def test_the_demo_shows_the_repeat_signal_the_due_items_and_a_redacted_extract(app, session,
                                                                               rt):
    seeded = seed_demo(session, rt)
    assert seeded.year is not None and len(seeded.year.repeated) == 2
    assert REPEATED.casefold() != " ".join(REPEATED_ELSEWHERE.split()).casefold()
    secrets = {email: secret for email, _roles, secret in seeded.accounts}
    ic = _sign_in(app, secrets, "ic")

    for number in seeded.year.repeated:
        page = ic.get(f"/medewerkers/zaken/{number}").get_data(as_text=True)
        assert "This person is concerned in 1 other case." in page, number
    home = ic.get("/medewerkers/").get_data(as_text=True)
    assert "Review whether a person concerned can be informed now" in home
    assert "Data-subject request to answer (deadline)" in home

    decided = seeded.year.repeated[-1]
    persons_page = ic.get(f"/medewerkers/zaken/{decided}/betrokkenen").get_data(as_text=True)
    assert "approved by the person heard" in persons_page
    extract_url = re.search(r'href="(/medewerkers/zaken/[^"]+/uittreksel)"',
                            persons_page).group(1)  # type: ignore[union-attr]
    extract = post_form(ic, extract_url, {
        "person_ids": re.search(r'name="person_ids" value="(\d+)" checked',  # type: ignore[union-attr]
                                ic.get(extract_url).get_data(as_text=True)).group(1),
        "hearing_ids": re.findall(r'name="hearing_ids" value="(\d+)"',
                                  ic.get(extract_url).get_data(as_text=True)),
        "report_fields": ["what"], "outcome": "1"}, page=extract_url).get_data(as_text=True)
    assert REPEATED in extract and "Zoë van den Berg erkent bestuurder" in extract
    assert "Jeroen" not in extract and "[blacked out]" in extract
    assert "Demo Melder" not in extract

    icc = _sign_in(app, secrets, "icc")
    listing = icc.get("/medewerkers/zaken/herhaling").get_data(as_text=True)
    review = icc.get(re.search(r'href="(/medewerkers/zaken/herhaling/\d+)"',  # type: ignore[union-attr]
                               listing).group(1)).get_data(as_text=True)
    assert decided in review and "1 more case names this person" in review
