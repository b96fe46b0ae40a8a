"""Receipt codes: at least 80 bits from `secrets`, easy to write down, stored
only as an Argon2id-derived verifier; a key derived from the code opens the
reporter's case."""

from __future__ import annotations

import math
import re

from sqlalchemy import select

from app.cases.intake import NewReport, open_mailbox, submit_report
from app.crypto import receipts
from app.crypto.receipts import generate_receipt_code, normalise_receipt_code
from app.models import Receipt

AMBIGUOUS = set("0O1IL")


def test_receipt_code_entropy_from_alphabet_and_length_is_at_least_80_bits():
    code = generate_receipt_code()
    symbols = code.replace("-", "")
    alphabet = set(receipts.ALPHABET)
    assert len(alphabet) == len(receipts.ALPHABET)  # no duplicate symbols
    assert set(symbols) <= alphabet
    bits = len(symbols) * math.log2(len(alphabet))
    assert bits >= 80
    assert math.isclose(bits, receipts.entropy_bits())


def test_receipt_codes_are_grouped_without_look_alikes_and_random():
    codes = {generate_receipt_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert re.fullmatch(r"([2-9A-Z]{4}-){4}[2-9A-Z]{4}", code)
        assert not AMBIGUOUS & set(code)
    # Every symbol of the alphabet turns up (a crude check of the generator).
    assert set("".join(codes).replace("-", "")) == set(receipts.ALPHABET)


def test_normalise_accepts_lower_case_spaces_and_dashes():
    code = generate_receipt_code()
    sloppy = "  " + code.lower().replace("-", " ") + " "
    assert normalise_receipt_code(sloppy) == code
    assert normalise_receipt_code(code.replace("-", "")) == code
    assert normalise_receipt_code(code[:-1]) is None
    assert normalise_receipt_code(code + "A") is None
    assert normalise_receipt_code(code.replace(code[0], "0")) is None
    assert normalise_receipt_code("") is None


def _report(session, rt, units):  # type: ignore[no-untyped-def]
    return submit_report(session, rt, NewReport(
        unit_id=units["cibg"].id, track="report", channel="anonymous",
        report={"what": "receipt test"},
    ))


def test_only_a_verifier_of_the_code_is_stored(session, rt, units):
    case, code = _report(session, rt, units)
    receipt = session.scalar(select(Receipt).where(Receipt.case_id == case.id))
    raw = code.encode()
    compact = code.replace("-", "").encode()
    for value in (receipt.locator.encode(), receipt.salt, receipt.verifier,
                  receipt.public_key, receipt.private_key_ciphertext,
                  receipt.kdf_params.encode()):
        assert raw not in value and compact not in value
    assert len(receipt.locator) == 8  # 32 bits: narrows the search, verifies nothing


def test_the_code_opens_the_mailbox_and_nothing_else_does(session, rt, units):
    case, code = _report(session, rt, units)
    other_case, _other_code = _report(session, rt, units)
    opened = open_mailbox(session, rt, code.lower().replace("-", " "))
    assert opened is not None and opened.case.id == case.id
    from app.cases.content import read_report

    assert read_report(opened.key, opened.case) == {"what": "receipt test"}
    assert open_mailbox(session, rt, generate_receipt_code()) is None
    assert open_mailbox(session, rt, "not a code") is None
    assert open_mailbox(session, rt, code[:-1] + ("2" if code[-1] != "2" else "3")) is None


def test_a_receipt_moved_to_another_case_does_not_open_it(session, rt, units):
    case, code = _report(session, rt, units)
    other, _ = _report(session, rt, units)
    mine = session.scalar(select(Receipt).where(Receipt.case_id == case.id))
    theirs = session.scalar(select(Receipt).where(Receipt.case_id == other.id))
    session.delete(theirs)
    session.flush()
    mine.case_id = other.id
    session.commit()
    assert open_mailbox(session, rt, code) is None
