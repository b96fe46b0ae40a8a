"""What the user reads: one table from the domain's error codes to text.

The domain raises `DomainError`s with a code (`app/errors.py`); here, and
only here, a code becomes a (translated) sentence. Keys are `area.code`; a
key prefixed with an audience (`reporter/minutes.stale`) is what that
audience reads instead. A code without an entry shows the plain text of
its status page, never the code itself.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.cases.workflow import TRANSITIONS
from app.errors import DomainError

# The error pages: a title and a text per HTTP status.
PAGES: dict[int, tuple[LazyString, LazyString]] = {
    400: (_l("Something went wrong with this request"),
          _l("The form could not be processed. Go back, reload the page and try again.")),
    403: (_l("No access"), _l("You do not have access to this page.")),
    404: (_l("Page not found"), _l("This page does not exist, or you do not have access to it.")),
    405: (_l("Not allowed"), _l("This action is not possible here.")),
    413: (_l("File too large"),
          _l("What you sent is larger than allowed. Nothing has been saved.")),
    429: (_l("Too many attempts"), _l("Please wait a moment and try again.")),
    500: (_l("Something went wrong"),
          _l("An unexpected error occurred. Nothing you sent has been half-saved; "
             "please try again later.")),
    503: (_l("Temporarily unavailable"),
          _l("Meldpunt is temporarily unavailable. Please try again in a few minutes.")),
}

# Texts that several codes share.
_NOT_FOUND = PAGES[404][1]
_NO_ACCESS = PAGES[403][1]
_CHOOSE = _l("Choose a valid value.")
_FILL_IN = _l("Fill in the required fields.")
_NO_KEY_YET = _l("%(name)s can not receive cases yet (no key: they must sign in once first).")
_NOT_FOR_YOUR_REPORT = _l("This is not possible for your report.")
_ALREADY_ANSWERED = _l("You already answered this record, or it has changed. Below you see how "
                       "it stands now.")
_CHECK_CHOICES = _l("Check the choices in the form.")
_NOT_EXCLUDED = _l("This person can not be excluded (already excluded, or it is you: "
                   "use recuse instead).")
_LIFT_REASON = _l("Give a reason for lifting the restriction.")
_NOT_ENDORSED = _l(
    "This colleague's key has not been confirmed yet, so the case can not be passed to "
    "them. Ask a colleague with the same role, or the central integrity coordinator, to "
    "confirm their key under \"Confirm keys\" first.")
_COLLEAGUE_NO_KEY = _l("This colleague has no key yet: they must sign in once first.")
_HOLD_REASON = _l("Give a reason for the legal hold.")

# Workflow parameters checked by a choice or a number (`invalid_<name>`).
CHOSEN_PARAMS = ("track", "unit_id", "vp_id", "bureau_id", "referred_to", "reason", "outcome",
                 "measure", "close_reason", "person_id")

MESSAGES: dict[str, LazyString] = {
    # --- the case workflow (app/cases/workflow.py) ---
    **{f"workflow.invalid_{name}": _CHOOSE for name in CHOSEN_PARAMS},
    **{f"workflow.missing_{name}": _FILL_IN
       for name in sorted({p for t in TRANSITIONS.values() for p in t.params})},
    "workflow.unknown_unit_id": _l("Choose a valid unit."),
    "workflow.unknown_vp_id": _l("Choose a confidential counsellor."),
    "workflow.unknown_bureau_id": _l("Choose an external bureau."),
    "workflow.target_restricted": _l("%(name)s is excluded from this case or recused."),
    "workflow.not_a_handler": _NO_KEY_YET,
    "workflow.no_key_yet": _NO_KEY_YET,
    "workflow.no_ic_for_unit": _l(
        "This unit has no integrity coordinator who can receive the case."),
    "workflow.no_investigators": _l(
        "This bureau has no investigators who can receive the case."),
    "workflow.outcome_missing": _l("Record a decision first."),
    "workflow.unknown_action": _l("This action does not exist."),
    "workflow.stale": _l("This case has changed since you opened it. "
                         "Reload the page and try again."),
    "workflow.shredded": _l("This case has been deleted."),
    "workflow.role": _l("Your role does not allow this action."),
    "workflow.state": _l("This action is not possible in the case's current state."),
    "workflow.restricted": _l("You are recused or excluded from this case."),
    "workflow.consent": _l(
        "The reporter has not (or no longer) consented to passing the case on."),
    "workflow.not_holder": _l("You do not hold this case."),
    "workflow.hearing": _l("First hear %(name)s (hoor en wederhoor): record the hearing, and "
                           "the approval of its minutes or that the person declined."),
    "workflow.hearing_unknown": _l("Your key does not open the case file, so it can not be "
                                   "checked whether everyone was heard."),
    "workflow.invalid_held_on": _l("Give the date of the hearing."),
    "referral.consent": _l("The reporter has not consented to sharing their identity."),
    # --- opening a case, key custody, conflicts of interest, legal hold ---
    "case.not_found": _NOT_FOUND,
    "case.awaiting_regrant": _NO_ACCESS,
    "custody.no_access": _NOT_FOUND,
    "note.no_referral": _l("This case was not referred to a bureau, so there is no one to "
                           "share this note with. Choose another kind of note."),
    "custody.not_a_handler": _COLLEAGUE_NO_KEY,
    "custody.no_key_yet": _COLLEAGUE_NO_KEY,
    "custody.not_endorsed": _NOT_ENDORSED,
    "workflow.not_endorsed": _NOT_ENDORSED,
    "trust.code_mismatch": _l(
        "That code does not match this colleague's key. Check it with them again, by phone "
        "or in person. If it still differs, do not confirm: tell the security officer."),
    "trust.not_allowed": _l(
        "You can confirm keys only of colleagues with your own role (the central integrity "
        "coordinator: of every handler), and only once your own key is confirmed."),
    "trust.not_yourself": _l("Someone else has to confirm your key."),
    "trust.not_in_role": _l("This colleague does not have that role."),
    "trust.inactive": _l("This account is not active."),
    "trust.no_key_yet": _l("This colleague has not signed in for the first time yet."),
    "trust.key_locked": _l("Sign in again to confirm keys."),
    "trust.not_the_anchor": _l("This is not the organisation's trust anchor."),
    "account.duplicate_name": _l(
        "A colleague with the same role already has this name. Add something that tells "
        "the two apart, such as a middle initial or the unit."),
    "conflicts.last_holder": _l(
        "You are the only one who holds this case: hand it over before you recuse."),
    "conflicts.already_restricted": _NOT_EXCLUDED,
    "conflicts.use_recuse": _NOT_EXCLUDED,
    "conflicts.reason_required": _LIFT_REASON,
    "conflicts.not_active": _LIFT_REASON,
    # --- handing a case over, stranded cases (app/cases/handover.py) ---
    "handover.no_reason": _l("Give a reason for the handover: your colleague reads it in the "
                             "case file."),
    "handover.same_person": _l("Choose a colleague: you hold this case already."),
    "handover.closed": _l("A closed case is not handed over."),
    "handover.not_a_colleague": _l(
        "%(name)s can not receive this case: choose an active colleague in the role the "
        "case needs (an integrity coordinator of the case's unit, or the ICC)."),
    "handover.target_restricted": _l("%(name)s is excluded from this case or recused."),
    "handover.not_a_handler": _COLLEAGUE_NO_KEY,
    "handover.no_key_yet": _COLLEAGUE_NO_KEY,
    "handover.not_endorsed": _NOT_ENDORSED,
    "handover.invalid_reason": _CHOOSE,
    "handover.not_stranded": _l("An active colleague holds this case: ask them to hand it "
                                "over or to restore access."),
    # --- the reporter's news e-mail (app/cases/reporter_contact.py) ---
    "news_address.invalid": _l("This does not look like an e-mail address. Check it: it looks "
                               "like name@example.nl."),
    "news_address.unavailable": _l("E-mail about news is not available here."),
    "news_address.closed": _NOT_FOR_YOUR_REPORT,
    "hold.role": _HOLD_REASON,
    "hold.reason_required": _HOLD_REASON,
    "retention.invalid_rule": PAGES[400][1],
    "retention.below_minimum": _l("A period can not be shorter than %(months)s months."),
    "retention.not_pending": _l("This proposal has already been decided."),
    "retention.second_person": _l(
        "A shorter period needs a second person: the central integrity coordinator or an "
        "administrator who did not propose it."),
    # --- registering a report or a signal ---
    "registration.unit": _CHECK_CHOICES,
    "registration.role": _CHECK_CHOICES,
    "registration.choice": _CHECK_CHOICES,
    "registration.referred_to": _CHECK_CHOICES,
    "registration.outcome": _l("Tick 'advice given' or choose where you referred to."),
    "registration.date": _l("The date can not be in the future."),
    # --- minutes of a meeting (the staff side; the reporter's below) ---
    "minutes.not_found": _NOT_FOUND,
    "minutes.stale": _l("The minutes were changed or answered in the meantime. Check the "
                        "current status and try again."),
    "minutes.no_mailbox": _l("This reporter has no mailbox. Give the minutes to the reporter "
                             "on paper and record the approval here."),
    "minutes.empty": _l("Write the minutes before saving (at most 20,000 characters)."),
    "minutes.future_date": _l("The date of the meeting can not be in the future."),
    "reporter/minutes.not_found": _l("This record was not found."),
    "reporter/minutes.stale": _ALREADY_ANSWERED,
    "reporter/minutes.empty": _ALREADY_ANSWERED,
    # --- persons concerned, hearings, data-subject requests ---
    "persons.not_found": _NOT_FOUND,
    "persons.empty_name": _l("Fill in the name of the person concerned."),
    "persons.too_long": _l("A text is too long: a name, function or unit at most 200 "
                           "characters, a note at most 5,000."),
    "persons.unknown_role": _CHOOSE,
    "persons.unknown_means": _CHOOSE,
    "persons.unknown_ground": _l("Choose the legal ground for deferring."),
    "persons.future_date": _l("The date can not be in the future."),
    "persons.review_date": _l("Choose a review date after today."),
    "persons.heard": _l("This person was heard; the hearing is part of the case, so the "
                        "person stays recorded."),
    "persons.named_yourself": _l("You are named as a person concerned yourself, and you are the "
                                 "only one who holds this case. Hand the case over to a "
                                 "colleague first; they record the person."),
    "persons.not_a_report": _l("Only a formal report can be passed to the ICC to look at. A "
                               "confidential counsellor keeps a signal confidential."),
    "persons.no_other_cases": _l("This person is not named in any other case."),
    "persons.no_icc": _l("There is no ICC who can receive the case."),
    "persons.already_asked": _l("The ICC was already asked to look at this person."),
    "persons.too_many": _l("You can name at most 5 people."),
    "persons.cases_not_opened": _l("The recovery key does not open the case file of every "
                                   "case. Nothing was changed."),
    "hearing.not_found": _NOT_FOUND,
    "hearing.stale": _l("The hearing was changed in the meantime. Check the current status and "
                        "try again."),
    "hearing.empty": _l("Write the text before saving."),
    "hearing.too_long": _l("The text is too long (at most 20,000 characters)."),
    "hearing.future_date": _l("The date of the hearing can not be in the future."),
    "subject_request.not_found": _NOT_FOUND,
    "subject_request.unknown_kind": _CHOOSE,
    "subject_request.requester_missing": _l("Choose the person concerned who asked, or fill in "
                                            "who asked."),
    "subject_request.future_date": _l("The date of receipt can not be in the future."),
    "subject_request.too_long": _l("A text is too long: at most 200 characters on a line, "
                                   "5,000 for the request, 50 words to black out."),
    "subject_request.unknown_decision": _CHOOSE,
    "subject_request.ground_missing": _l("A refusal or a partial grant needs its legal ground."),
    "subject_request.unknown_ground": _CHOOSE,
    "subject_request.decided": _l("This request was already decided."),
    # --- the report form (its own page: reporting/already_sent.html) ---
    "report.already_sent": _l("This report was already sent"),
    # --- uploads ---
    "upload.type": _l("%(name)s: this type of file is not accepted. Accepted are: %(types)s."),
    "upload.content": _l("%(name)s: the content of this file does not match its name, so it "
                         "is not accepted."),
    "upload.empty": _l("%(name)s: this file is empty."),
    "upload.damaged": _l("%(name)s: this picture could not be read."),
    "upload.image_too_large": _l(
        "%(name)s: this picture has too many pixels (more than %(mp)d megapixels). Make it "
        "smaller, or take a screenshot of the part that matters, and add it again."),
    "upload.pictures_too_large": _l(
        "Together the pictures have too many pixels (more than %(mp)d megapixels at once). "
        "Nothing has been saved. Send fewer pictures at once."),
    "upload.busy": _l("%(name)s: the server is busy with other pictures. Nothing has been "
                      "saved. Try again in a minute."),
    "upload.image_file_too_large": _l("%(name)s: this picture file is larger than %(mb)d MB."),
    "upload.not_cleanable": _l(
        "%(name)s: we could not remove the hidden data (such as the author's name) from this "
        "document, so it was not added. It may be damaged or protected with a password. Save "
        "it again, or as PDF, and add it once more."),
    "upload.too_many": _l("You can add at most %(n)d files at once."),
    "upload.file_too_large": PAGES[413][0],
    "upload.together_too_large": _l(
        "Together the files are larger than %(mb)d MB. Nothing has been saved. Choose "
        "fewer or smaller files and send again."),
    # --- the reporter's mailbox ---
    "mailbox.throttled": _l("There have been too many attempts with wrong codes. Wait a "
                            "minute and try again."),
    "mailbox.wrong_code": _l("This code does not open a mailbox. Check the code and try again."),
    "mailbox.closed": _l("Your report is closed; this is not possible any more."),
    "mailbox.empty": _NOT_FOR_YOUR_REPORT,
    "mailbox.no_files": _NOT_FOR_YOUR_REPORT,
    "mailbox.not_advice": _NOT_FOR_YOUR_REPORT,
    "mailbox.channel": _NOT_FOR_YOUR_REPORT,
    "mailbox.already_known": _NOT_FOR_YOUR_REPORT,
    "mailbox.name_required": _NOT_FOR_YOUR_REPORT,
    "mailbox.no_identity": _NOT_FOR_YOUR_REPORT,
    "mailbox.recipient": _NOT_FOR_YOUR_REPORT,
    "mailbox.form": _NOT_FOR_YOUR_REPORT,
    "mailbox.confirm": _NOT_FOR_YOUR_REPORT,
    "mailbox.no_new_code": _NOT_FOR_YOUR_REPORT,
    "mailbox.new_code_first": _l("First make your new code. Then your mailbox opens."),
    "mailbox.new_code_mismatch": _l("This is not your new code. Check what you wrote "
                                    "down and try again."),
    # --- staff accounts and passwords ---
    "account.sign_in_failed": _l(
        "Sign-in failed: the e-mail address or password is wrong, or the account is "
        "temporarily locked. Try again in a few minutes."),
    "account.wrong_code": _l(
        "That code is not correct, or was already used. Wait for a new code."),
    "account.wrong_enrolment_code": _l(
        "That code is not correct. Check the time on your phone and try again."),
    "password.too_short": _l("The password must be at least 12 characters long."),
    "password.too_long": _l("The password is too long (at most 256 characters)."),
    "password.too_common": _l(
        "This password is too common or too easy to guess. Choose another one."),
    "password.contains_email": _l("The password must not contain your e-mail address."),
    "account.same_password": _l("Choose a password that differs from the current one."),
    "account.wrong_current_password": _l("The current password is not correct."),
    "account.invalid_email": _l("Enter a valid e-mail address."),
    "account.email_taken": _l("There is already an account with this e-mail address."),
    "account.unknown_role": _l("Choose at least one valid role."),
    "account.role_conflict": _l(
        "Separation of duties: an administrator or auditor can not also handle cases."),
    "account.investigator_needs_bureau": _l(
        "An external investigator must belong to a bureau."),
    "account.cannot_demote_self": _l(
        "You can not remove your own administrator role or account."),
    "account.wrong_stage": _l("Please start signing in again."),
    # --- the start page's editable texts ---
    "page_text.empty": _l("Fill in a text. To show the standard text again, choose "
                          "\"Back to the standard text\"."),
    "page_text.too_long": _l("The text is too long: at most %(max)s characters."),
    "page_text.control": _l("The text contains invisible control characters. Type it again, "
                            "or paste it as plain text."),
    # --- the confidential counsellor's account of the year ---
    "vp_report.role": _l("Only a confidential counsellor writes an account of their year."),
    "vp_report.year": _l("Choose a year that has begun."),
    "vp_report.empty": _l("Fill in your account of the year."),
    "vp_report.too_long": _l("The text is too long: at most %(max)s characters."),
    # --- admission control for key derivation (app/crypto/kdf.py) ---
    "kdf.busy": _l("Many people are using Meldpunt at this moment, so this could not be done "
                   "straight away. Nothing has been lost and nothing has been stored yet. "
                   "Wait a minute and try again."),
}


def status_text(status: int) -> str:
    """The plain text of the error page for this status."""
    return str(PAGES.get(status, PAGES[500])[1])


def message_for(error: DomainError, audience: str | None = None) -> str:
    """The text for this error in the current language, its parameters filled
    in; an unknown code (or parameters that do not fit) gets the plain text
    of its status page."""
    text = MESSAGES.get(f"{audience}/{error.key}") if audience else None
    if text is None:
        text = MESSAGES.get(error.key)
    if text is None:
        return status_text(error.status)
    template = str(text)
    if "%(" not in template:
        return template
    try:
        return template % error.params
    except (KeyError, TypeError, ValueError):
        return status_text(error.status)
