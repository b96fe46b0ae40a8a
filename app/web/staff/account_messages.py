"""User-facing texts for account error codes."""

from flask_babel import lazy_gettext as _l

REASONS = {
    "too_short": _l("The password must be at least 12 characters long."),
    "too_long": _l("The password is too long (at most 256 characters)."),
    "too_common": _l("This password is too common or too easy to guess. Choose another one."),
    "contains_email": _l("The password must not contain your e-mail address."),
    "same_password": _l("Choose a password that differs from the current one."),
    "wrong_current_password": _l("The current password is not correct."),
    "invalid_email": _l("Enter a valid e-mail address."),
    "email_taken": _l("There is already an account with this e-mail address."),
    "unknown_role": _l("Choose at least one valid role."),
    "role_conflict": _l(
        "Separation of duties: an administrator or auditor can not also handle cases."
    ),
    "investigator_needs_bureau": _l("An external investigator must belong to a bureau."),
    "cannot_demote_self": _l("You can not remove your own administrator role or account."),
    "wrong_stage": _l("Please start signing in again."),
}


def reason_text(code: str) -> str:
    return str(REASONS.get(code, REASONS["wrong_stage"]))
