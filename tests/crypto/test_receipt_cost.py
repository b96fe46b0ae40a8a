"""Receipt-code derivation sized to the code (issue #26): a receipt code holds
~99 bits from `secrets`, so it needs no password-strength stretching; its
Argon2id cost is OWASP's minimum (m=19 MiB, t=2, p=1) while staff passwords
keep RFC 9106's. Every receipt keeps the parameters it was made with, so a
code made under the old cost still opens its report."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.cases.intake import NewReport, open_mailbox, submit_report
from app.config import ConfigError, PasswordHashParams, Settings, check_production_ready
from app.crypto import receipts
from app.crypto.kdf import Argon2Params
from app.models import Receipt
from app.runtime import Runtime

OWASP_MINIMUM = Argon2Params(time_cost=2, memory_kib=19 * 1024, parallelism=1)


def test_receipt_codes_carry_at_least_the_64_bits_nist_asks_of_look_up_secrets():
    assert receipts.entropy_bits() >= 99


def test_production_receipt_cost_is_owasps_argon2id_minimum_and_staff_keep_rfc_9106():
    defaults = Settings()
    assert defaults.receipt_derivation == OWASP_MINIMUM == receipts.receipt_kdf_params()
    assert defaults.key_derivation == Argon2Params(time_cost=3, memory_kib=64 * 1024,
                                                   parallelism=4)
    assert defaults.password_hash == PasswordHashParams(3, 64 * 1024, 4)


def test_the_environment_reads_the_receipt_cost_and_only_test_overrides_lower_it():
    assert Settings.from_env({}).receipt_derivation == OWASP_MINIMUM
    cheap = Settings.from_env({"MELDPUNT_ARGON2_TIME_COST": "1",
                               "MELDPUNT_ARGON2_MEMORY_KIB": "1024",
                               "MELDPUNT_ARGON2_PARALLELISM": "1"})
    # The test override that lowers every Argon2id cost lowers receipts too...
    assert cheap.receipt_derivation == Argon2Params(1, 1024, 1)
    # ...but raising the staff cost does not raise the receipt cost by itself.
    strong = Settings.from_env({"MELDPUNT_ARGON2_MEMORY_KIB": str(256 * 1024)})
    assert strong.receipt_derivation == OWASP_MINIMUM
    own = Settings.from_env({"MELDPUNT_RECEIPT_ARGON2_MEMORY_KIB": str(47 * 1024),
                             "MELDPUNT_RECEIPT_ARGON2_TIME_COST": "1"})
    assert own.receipt_derivation == Argon2Params(1, 47 * 1024, 1)


def test_production_refuses_a_receipt_memory_cost_below_the_owasp_minimum():
    production = Settings(env="production", secret_key="x" * 40,
                          database_url="postgresql+psycopg://meldpunt@db/meldpunt")
    check_production_ready(production, [])
    # Memory is what production checks (as for the staff cost): a test may
    # run production with one pass to stay quick.
    for weaker in (Argon2Params(2, 16 * 1024, 1), Argon2Params(3, 1024, 4)):
        with pytest.raises(ConfigError, match="receipt"):
            check_production_ready(production.with_changes(receipt_derivation=weaker), [])


def test_a_receipt_made_under_the_old_cost_still_opens_its_report_under_the_new(
        session, rt, units, settings):
    old = Argon2Params(time_cost=3, memory_kib=2048, parallelism=4)  # the old shape, smaller
    new = Argon2Params(time_cost=2, memory_kib=1024, parallelism=1)
    before = Runtime.load(settings.with_changes(receipt_derivation=old))
    case, code = submit_report(session, before, NewReport(
        unit_id=units["cibg"].id, track="report", channel="anonymous",
        report={"what": "made under the old cost"}))
    receipt = session.scalar(select(Receipt).where(Receipt.case_id == case.id))
    assert Argon2Params.from_json(receipt.kdf_params) == old

    after = Runtime.load(settings.with_changes(receipt_derivation=new))
    opened = open_mailbox(session, after, code)
    assert opened is not None and opened.case.id == case.id
    from app.cases.content import read_report

    assert read_report(opened.key, opened.case) == {"what": "made under the old cost"}
    # New receipts get the new cost; the old one kept its own.
    fresh, _ = submit_report(session, after, NewReport(
        unit_id=units["cibg"].id, track="report", channel="anonymous", report={"what": "new"}))
    stored = {r.case_id: Argon2Params.from_json(r.kdf_params)
              for r in session.scalars(select(Receipt))}
    assert stored == {case.id: old, fresh.id: new}
