"""Staff sign-in (password, then second factor), enrolment and password pages."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.accounts import service, totp, trust
from app.accounts.passwords import PasswordPolicyError
from app.audit import floods
from app.cases import notify
from app.models import User
from app.vocabulary import HANDLER_ROLES
from app.web import labels
from app.web.extensions import db
from app.web.forms import (
    ChangePasswordForm,
    CodeForm,
    EmptyForm,
    EnrolForm,
    NewPasswordForm,
    SignInForm,
)
from app.web.messages import message_for
from app.web.security import (
    cookie_from_session,
    current_private_key,
    current_staff_session,
    runtime,
    staff_required,
    store_cookie,
)

blueprint = Blueprint("accounts", __name__, url_prefix="/medewerkers")

def _step(stage: str):  # type: ignore[no-untyped-def]
    row, cookie = current_staff_session(stage), cookie_from_session()
    return (row, cookie) if row is not None and cookie is not None else (None, None)


def _go_to(stage: str) -> Response:
    return redirect(url_for({
        "enrol": "accounts.enrol",
        "totp": "accounts.second_factor",
        "set_password": "accounts.set_password",
        "active": "pages.staff_home",
    }[stage]))


@blueprint.route("/inloggen", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    form = SignInForm()
    if form.validate_on_submit():
        try:
            row, cookie = service.begin_sign_in(
                db.session, runtime(), form.email.data or "", form.password.data or ""
            )
        except service.SignInFailed as error:
            # Wrong passwords lock nobody out: a flood of them is told to the admin.
            floods.check_sign_in_flood(db.session, runtime())
            flash(message_for(error), "error")
            return render_template("accounts/login.html", form=form), error.status
        store_cookie(cookie)
        return _go_to(row.stage)
    return render_template("accounts/login.html", form=form)


@blueprint.route("/inloggen/code", methods=["GET", "POST"])
def second_factor() -> Response | str | tuple[str, int]:
    row, cookie = _step("totp")
    if row is None:
        return redirect(url_for("accounts.login"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            row, cookie = service.verify_second_factor(
                db.session, runtime(), row, cookie, form.code.data or ""
            )
        except service.SecondFactorFailed as error:
            flash(message_for(error), "error")
            return render_template("accounts/second_factor.html", form=form), error.status
        store_cookie(cookie)
        return _go_to(row.stage)
    return render_template("accounts/second_factor.html", form=form)


@blueprint.route("/inloggen/koppelen", methods=["GET", "POST"])
def enrol() -> Response | str:
    row, cookie = _step("enrol")
    if row is None:
        return redirect(url_for("accounts.login"))
    rt = runtime()
    secret = service.pending_totp_secret(db.session, rt, row)
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            row, cookie, codes = service.confirm_enrolment(
                db.session, rt, row, cookie, form.code.data or ""
            )
        except service.SecondFactorFailed as error:
            flash(message_for(error), "error")
        else:
            store_cookie(cookie)
            return render_template("accounts/recovery_codes.html", codes=codes,
                                   next_stage=row.stage)
    uri = totp.provisioning_uri(secret, row.user.email)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render_template("accounts/enrol.html", form=form, qr_svg=totp.qr_svg(uri),
                           secret=grouped)


@blueprint.route("/inloggen/wachtwoord", methods=["GET", "POST"])
def set_password() -> Response | str:
    row, cookie = _step("set_password")
    if row is None:
        return redirect(url_for("accounts.login"))
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            row, cookie = service.set_own_password(
                db.session, runtime(), row, cookie, form.password.data or ""
            )
        except (PasswordPolicyError, service.AccountError) as error:
            form.password.errors = [message_for(error)]
        else:
            store_cookie(cookie)
            flash(_("Your password is set. You are signed in."), "success")
            return _go_to(row.stage)
    return render_template("accounts/set_password.html", form=form,
                           had_key=row.user.key_created_at is not None)


@blueprint.route("/uitloggen", methods=["POST"])
def logout() -> Response:
    form = EmptyForm()
    if form.validate_on_submit():
        row = current_staff_session()
        if row is not None:
            service.sign_out(db.session, runtime(), row)
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You are signed out."), "info")
    return redirect(url_for("accounts.login"))


@blueprint.route("/account", methods=["GET"])
@staff_required()
def account(user: User) -> str:
    private_key = current_private_key()
    rt = runtime()
    return render_template("accounts/account.html", user=user, form=EmptyForm(),
                           daily_digest=notify.wants_daily_digest(db.session, user),
                           key_code=trust.own_key_code(private_key) if private_key else None,
                           endorsed=trust.endorsed_roles(db.session, rt, user),
                           handler_roles=sorted(user.roles & HANDLER_ROLES),
                           role_label=labels.role_label)


@blueprint.route("/account/meldingen", methods=["POST"])
@staff_required()
def notification_choice(user: User) -> Response:
    """An e-mail per run with news from reporters, or one a day."""
    form = EmptyForm()
    if form.validate_on_submit() and user.may_hold_cases:
        notify.set_daily_digest(db.session, runtime(), user,
                                request.form.get("digest") == "daily")
        flash(_("Your choice for e-mails is saved."), "success")
    return redirect(url_for("accounts.account"))


@blueprint.route("/account/wachtwoord", methods=["GET", "POST"])
@staff_required()
def change_password(user: User) -> Response | str:
    form = ChangePasswordForm()
    row, cookie = current_staff_session("active"), cookie_from_session()
    if form.validate_on_submit() and row is not None and cookie is not None:
        try:
            _row, new_cookie = service.change_password(
                db.session, runtime(), row, cookie, form.current.data or "",
                form.password.data or "",
            )
        except (PasswordPolicyError, service.AccountError) as error:
            target = form.current if error.code == "wrong_current_password" else form.password
            target.errors = [message_for(error)]
        else:
            store_cookie(new_cookie)
            flash(_("Your password has been changed. Your other sessions were signed out."),
                  "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/change_password.html", form=form)


@blueprint.route("/account/herstelcodes", methods=["POST"])
@staff_required()
def new_recovery_codes(user: User) -> str | Response:
    form = EmptyForm()
    if not form.validate_on_submit():
        return redirect(url_for("accounts.account"))
    rt = runtime()
    codes = service.renew_recovery_codes(db.session, rt, user)
    return render_template("accounts/recovery_codes.html", codes=codes, next_stage="active")
