"""The reporter's side: start pages, the report form, the receipt and the mailbox.

No route here stores or logs an IP address, user agent or referrer; the only
cookie is the signed session cookie that carries the CSRF token, the chosen
language and, while the mailbox is open, its token and secret.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import format_time
from flask_babel import gettext as _
from flask_babel import refresh as refresh_language
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from app.cases import mailbox, reporter_contact, typology
from app.cases.content import UploadTooLarge
from app.cases.intake import (
    AlreadySent,
    NewReport,
    new_send_token,
    submit_report,
    valid_send_token,
)
from app.cases.minutes import MinutesError
from app.cases.persons import MAX_REPORTED
from app.cases.uploads import (
    ALLOWED_EXTENSIONS,
    MAX_FILES,
    CleanFile,
    UploadRefused,
    with_neutral_names,
)
from app.crypto.kdf import KeyDerivationBusy
from app.errors import Conflict, NotFound
from app.retention.policy import load_policy
from app.vocabulary import Outcome, Track
from app.web import labels, typology_labels
from app.web.errors import busy_headers
from app.web.extensions import db
from app.web.forms import EmptyForm
from app.web.i18n import LANGUAGES
from app.web.messages import message_for
from app.web.reporter import keuzehulp, organisation
from app.web.reporter.forms import (
    NEWS_PREFIX,
    PERSON_ROLE_CHOICES,
    TRACK_EXAMPLES,
    DiscloseForm,
    MeetingForm,
    MessageForm,
    MinutesCorrectionForm,
    NewCodeForm,
    NewsAddressForm,
    ReportForm,
    SignInForm,
    counsellor_choices,
)
from app.web.security import runtime
from app.web.uploads import accepts_uploads, collect_files

blueprint = Blueprint("reporting", __name__)
# The "need help now?" line and the desks' contacts, on every page.
blueprint.app_context_processor(organisation.template_values)

MAILBOX_TOKEN, MAILBOX_SECRET = "mb", "mbk"
# When the mailbox was opened and last used (seconds since the epoch): the
# idle and absolute limits count from these, kept only in this signed
# cookie; the database keeps the day (app/cases/mailbox.py).
MAILBOX_OPENED, MAILBOX_SEEN = "mbo", "mbs"

# A rendered page and its status, with extra headers (Retry-After) or without.
Page = tuple[str, int] | tuple[str, int, list[tuple[str, str]]]


def upload_limits() -> dict[str, object]:
    return {
        "max_files": MAX_FILES,
        "max_mb": runtime().settings.max_upload_mb,
        "extensions": ", ".join(ext for ext in ALLOWED_EXTENSIONS if ext != "jpeg"),
    }


def too_large_text() -> str:
    return message_for(UploadTooLarge("together_too_large",
                                      mb=runtime().settings.max_upload_mb))


@blueprint.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge) -> tuple[str, int]:
    # The request was too large to even read: the typed text can not be shown
    # again here, but the browser's Back button usually still has it.
    return render_template("reporting/too_large.html", limits=upload_limits()), 413


# --- information pages ---------------------------------------------------------

@blueprint.route("/keuzehulp")
def decision_aid() -> str:
    step = keuzehulp.evaluate(request.args)
    return render_template("reporting/keuzehulp.html", step=step)


@blueprint.route("/privacy")
def privacy() -> str:
    """The privacy statement; its retention periods are the ones in force
    (the admin may have changed the defaults)."""
    policy = load_policy(db.session)
    report = {outcome: policy.months_for(Track.REPORT, outcome) for outcome in (
        Outcome.FOUNDED, Outcome.UNFOUNDED, Outcome.NOT_ESTABLISHED, Outcome.NOT_ADMISSIBLE,
        Outcome.REFERRED, Outcome.WITHDRAWN)}
    retention = {
        "advice": policy.months_for(Track.ADVICE, None),
        **{str(outcome): months for outcome, months in report.items()},
        "other": policy.months_for(Track.REPORT, None),
        "mailbox": policy.mailbox_months,
        "audit": max(policy.audit_months, policy.audit_minimum_months),
    }
    return render_template("reporting/privacy.html", retention=retention)


@blueprint.route("/toegankelijkheid")
def accessibility() -> str:
    return render_template("reporting/toegankelijkheid.html",
                           statement_date=runtime().settings.organisation.statement_date)


# --- the report ----------------------------------------------------------------

def _report_form() -> ReportForm:
    form = ReportForm()
    form.fill_choices(db.session)
    if not valid_send_token(form.send_token.data):
        # A new form (or one without a usable token): its own send token.
        form.send_token.data = new_send_token()
    return form


def _render_form(form: ReportForm, status: int = 200,
                 persons_open: bool = False) -> tuple[str, int]:
    # The people's rows are folded unless asked for, typed in or refused.
    persons_open = persons_open or bool(form.persons.errors) or any(
        not entry.form.is_empty() for entry in form.persons.entries)
    return render_template("reporting/report_form.html", form=form, typology=typology,
                           typology_labels=typology_labels, limits=upload_limits(),
                           track_examples=TRACK_EXAMPLES, max_persons=MAX_REPORTED,
                           persons_open=persons_open), status


def _render_review(form: ReportForm, file_error: str | None = None,
                   status: int = 200, resend: bool = False,
                   files_dropped: bool = False) -> tuple[str, int]:
    return render_template("reporting/review.html", form=form, typology=typology,
                           typology_labels=typology_labels,
                           limits=upload_limits(), file_error=file_error, resend=resend,
                           files_dropped=files_dropped or bool(file_error),
                           counsellors=dict(counsellor_choices(db.session)),
                           person_roles=dict(PERSON_ROLE_CHOICES)), status


def _switch_language(lang: str) -> tuple[str, int]:
    """The language button of the form and review pages is a submit of the
    page's own form: what was typed comes along and is shown again in the
    other language (nothing is stored). Chosen files are not kept."""
    session["lang"] = lang
    refresh_language()
    form = _report_form()
    complete = form.validate()
    if request.form.get("shown") == "review" and complete:
        return _render_review(form, files_dropped=True)
    _no_errors_yet(form)
    return _render_form(form)


def _no_errors_yet(form: ReportForm) -> None:
    """The form shown again to go on typing: its errors, the people's rows'
    included, wait until it is sent to be checked."""
    for f in form:
        f.errors = []
    for entry in form.persons.entries:
        for sub in entry.form:
            sub.errors = []


@blueprint.route("/melden", methods=["GET", "POST"])
@accepts_uploads
def new_report() -> Page | str:
    posted_token = request.form.get("send_token")
    switch_to = request.form.get("switch_lang")
    if request.method == "POST" and switch_to in LANGUAGES:
        return _switch_language(switch_to)
    form = _report_form()
    if request.method == "GET":
        if request.args.get("route") in ("advice", "report"):
            form.track.data = request.args["route"]
        return _render_form(form)
    step = request.form.get("step", "review")
    if step in ("edit", "add_person"):
        form.validate()  # fills the fields; the errors are not shown yet
        _no_errors_yet(form)
        if step == "add_person":
            form.add_person_row()
        return _render_form(form, persons_open=step == "add_person")
    if not form.validate():
        return _render_form(form, 400)
    if step != "send":
        return _render_review(form)
    if not valid_send_token(posted_token):
        # Not sent from a page of ours (or from one older than send tokens):
        # nothing is stored; the review page again, with the form's new token.
        return _render_review(form, status=400, resend=True)
    if getattr(request, "upload_overflow", False):
        return _render_review(form, too_large_text(), 413)
    try:
        files = collect_files(request.files.getlist("attachments"))
    except UploadRefused as error:
        return _render_review(form, message_for(error), error.status)
    if _neutral_names_chosen():
        files = with_neutral_names(files)
    return _submit(form, files)


def _neutral_names_chosen() -> bool:
    """The upload forms offer neutral file names, ticked by default."""
    return request.form.get("neutral_names") == "yes"


def _submit(form: ReportForm, files: list[CleanFile]) -> Page:
    rt = runtime()
    counsellors = dict(counsellor_choices(db.session))
    category = None if form.category.data == typology.UNKNOWN else form.category.data
    subcategory = form.subcategory.data if category == typology.UNWANTED_BEHAVIOUR else None
    new = NewReport(
        unit_id=form.unit.data, track=form.track.data, channel=form.identity.data,
        category=category, subcategory=subcategory,
        report=form.report_data(counsellors), identity=form.identity_data(),
        uploads=[f.as_upload() for f in files], persons=form.named_persons(),
    )
    try:
        case, code = submit_report(db.session, rt, new, send_token=form.send_token.data)
    except AlreadySent as error:
        # The same form again (a reload, pull-to-refresh, a double click):
        # nothing new, and no code — it was shown once, on the first answer.
        return render_template("reporting/already_sent.html"), error.status
    except KeyDerivationBusy as error:
        # Too busy to make the receipt code in time: nothing was stored (the
        # send token is still unused). The review page again, with every
        # field, to send the same report once there is room.
        flash(message_for(error), "error")
        body, status = _render_review(form, status=error.status, resend=True)
        return body, status, busy_headers(error)
    # Rendered in the POST response itself (never redirected, never in the
    # URL or the title); every response carries Cache-Control: no-store.
    return render_template("reporting/receipt.html", code=code, case=case,
                           files=len(files), removed=_removed(files),
                           button_form=EmptyForm(),
                           news_available=reporter_contact.available(rt)), 200


def _removed(files: list[CleanFile]) -> list[str]:
    """What the cleaning took out of the files, in words."""
    return labels.hidden_data_removed(code for clean in files for code in clean.removed)


@blueprint.route("/melden/opgeschreven", methods=["POST"])
def receipt_written_down() -> Response:
    """"I have written it down": the way on from the receipt page."""
    if EmptyForm().validate() and request.form.get("written_down") == "yes":
        flash(_("Good. From now on, open your mailbox with your receipt code."), "success")
    return redirect(url_for("reporting.mailbox_page"))


# --- the mailbox ---------------------------------------------------------------

def _moment(value: object) -> datetime | None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**40:
        return None
    return datetime.fromtimestamp(value, UTC)


def _cookie() -> mailbox.MailboxCookie | None:
    token, secret = session.get(MAILBOX_TOKEN), session.get(MAILBOX_SECRET)
    opened_at, seen_at = _moment(session.get(MAILBOX_OPENED)), _moment(session.get(MAILBOX_SEEN))
    if (not isinstance(token, str) or not isinstance(secret, str) or opened_at is None
            or seen_at is None):
        return None
    return mailbox.MailboxCookie(token=token, secret=secret, opened_at=opened_at,
                                 seen_at=seen_at)


def _remember(cookie: mailbox.MailboxCookie) -> None:
    session[MAILBOX_TOKEN], session[MAILBOX_SECRET] = cookie.token, cookie.secret
    session[MAILBOX_OPENED] = int(cookie.opened_at.timestamp())
    session[MAILBOX_SEEN] = int(cookie.seen_at.timestamp())


def _forget_cookie() -> None:
    for name in (MAILBOX_TOKEN, MAILBOX_SECRET, MAILBOX_OPENED, MAILBOX_SEEN):
        session.pop(name, None)


def _open() -> mailbox.OpenMailbox | None:
    cookie = _cookie()
    if cookie is None:
        _forget_cookie()
        return None
    opened = mailbox.find_open_mailbox(db.session, cookie)
    if opened is None:
        _forget_cookie()
    else:
        # This visit restarts the idle limit: in the cookie, not the database.
        session[MAILBOX_SEEN] = int(opened.seen_at.timestamp())
    return opened


def _closed_notice() -> Response:
    flash(_("Your mailbox was closed. Sign in again with your receipt code."), "info")
    return redirect(url_for("reporting.mailbox_page"))


def closing_times(opened: mailbox.OpenMailbox) -> dict[str, object]:
    """When this mailbox closes by itself (WCAG 2.2.1: the limits are told
    before they bite): after the idle limit, and at the latest the absolute
    limit after it was opened - the earlier of the two is the next close."""
    idle = opened.seen_at + mailbox.IDLE_TIMEOUT
    latest = opened.opened_at + mailbox.ABSOLUTE_TIMEOUT
    return {
        "idle_minutes": int(mailbox.IDLE_TIMEOUT.total_seconds() // 60),
        "absolute_hours": int(mailbox.ABSOLUTE_TIMEOUT.total_seconds() // 3600),
        "next_close": format_time(min(idle, latest), "HH:mm"),
        "latest_close": format_time(latest, "HH:mm"),
        "extendable": idle < latest,
    }


def _render_mailbox(opened: mailbox.OpenMailbox, status: int = 200, **forms: object
                    ) -> tuple[str, int]:
    view = mailbox.view_mailbox(db.session, runtime(), opened)
    all_forms = {
        "message_form": MessageForm(), "meeting_form": MeetingForm(),
        "disclose_form": DiscloseForm(), "button_form": EmptyForm(),
        "news_form": NewsAddressForm(prefix=NEWS_PREFIX),
        "correction_form": _correction_form,
    }
    all_forms.update(forms)
    return render_template("reporting/mailbox.html", view=view, case=opened.case,
                           typology=typology, typology_labels=typology_labels, labels=labels,
                           limits=upload_limits(), closing=closing_times(opened),
                           **all_forms), status


def _render_new_code(opened: mailbox.OpenMailbox, status: int = 200,
                     code_form: NewCodeForm | None = None) -> tuple[str, int]:
    """The only page of a mailbox opened with a code staff handed over."""
    step = "explain" if mailbox.handed_over_code_in_use(db.session, opened) else "confirm"
    return render_template("reporting/new_code.html", step=step, button_form=EmptyForm(),
                           code_form=code_form or NewCodeForm()), status


@blueprint.route("/postbus", methods=["GET", "POST"])
def mailbox_page() -> tuple[str, int] | str | Response:
    if request.method == "GET":
        opened = _open()
        if opened is not None and opened.must_replace_code:
            return _render_new_code(opened)
        if opened is not None:
            return _render_mailbox(opened)
        return render_template("reporting/sign_in.html", form=SignInForm())
    if request.form.get("switch_lang") in LANGUAGES:
        # The sign-in page's own language button (a message waiting to be
        # sent comes along and stays in the form).
        session["lang"] = request.form["switch_lang"]
        refresh_language()
        kept = SignInForm()
        kept.code.data = ""
        return render_template("reporting/sign_in.html", form=kept), 401
    form = SignInForm()
    if not form.validate_on_submit():
        return render_template("reporting/sign_in.html", form=form), 400
    try:
        opened, cookie = mailbox.sign_in(db.session, runtime(), form.code.data or "")
    except mailbox.MailboxThrottled as error:
        flash(message_for(error), "error")
        form.code.data = ""  # a message waiting to be sent stays in the form
        return render_template("reporting/sign_in.html", form=form), error.status
    except mailbox.WrongCode as error:
        form.code.errors = [message_for(error)]
        return render_template("reporting/sign_in.html", form=form), error.status
    # A fresh session cookie (and CSRF token) for the open mailbox.
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    _remember(cookie)
    _send_pending_message(opened, form.pending_message.data or "")
    return redirect(url_for("reporting.mailbox_page"))


def _send_pending_message(opened: mailbox.OpenMailbox, body: str) -> None:
    """A message typed while the mailbox closed, sent now it is open again."""
    if not body.strip() or opened.must_replace_code:
        return
    try:
        mailbox.send_message(db.session, runtime(), opened, body)
    except (mailbox.MailboxClosed, mailbox.NotAllowed) as error:
        flash(message_for(error), "error")
        return
    flash(_("Your message has been sent."), "success")


def _sign_in_to_send(body: str) -> tuple[str, int]:
    """The mailbox closed before the message was sent: the sign-in page, with
    the message kept in the form; it is sent when the code is entered."""
    form = SignInForm(formdata=None)
    form.pending_message.data = body[:20000]
    # 401: not signed in (any more); the page is the sign-in form itself,
    # not a redirect to it, so the message can travel without being stored.
    return render_template("reporting/sign_in.html", form=form), 401

def _action(run: Callable[[mailbox.OpenMailbox], str | tuple[str, int]],
            when_closed: Callable[[], tuple[str, int]] | None = None,
            ) -> Response | tuple[str, int]:
    opened = _open()
    if opened is None:
        return when_closed() if when_closed else _closed_notice()
    try:
        result = run(opened)
    except (mailbox.MailboxClosed, mailbox.NotAllowed) as error:
        flash(message_for(error), "error")
        return redirect(url_for("reporting.mailbox_page"))
    if isinstance(result, tuple):
        return result
    flash(result, "success")
    return redirect(url_for("reporting.mailbox_page"))


@blueprint.route("/postbus/nieuwe-code", methods=["POST"])
def mailbox_new_code() -> Response | tuple[str, int]:
    def run(opened: mailbox.OpenMailbox) -> tuple[str, int]:
        if not EmptyForm().validate():
            raise mailbox.NotAllowed("form")
        code = mailbox.replace_code(db.session, runtime(), opened)
        # Rendered in the POST response itself, as the receipt page is: shown
        # once, never redirected, never in the URL or the title.
        return render_template("reporting/new_code.html", step="show", code=code,
                               button_form=EmptyForm(), code_form=NewCodeForm()), 200
    return _action(run)


@blueprint.route("/postbus/nieuwe-code/bevestigen", methods=["POST"])
def mailbox_confirm_code() -> Response | tuple[str, int]:
    def run(opened: mailbox.OpenMailbox) -> str | tuple[str, int]:
        if not opened.must_replace_code:
            raise mailbox.NotAllowed("no_new_code")
        form = NewCodeForm()
        if not form.validate():
            return _render_new_code(opened, 400, form)
        try:
            mailbox.confirm_new_code(db.session, runtime(), opened, form.code.data or "")
        except mailbox.NewCodeMismatch as error:
            form.code.errors = [message_for(error)]
            return _render_new_code(opened, error.status, form)
        return _("Your new code works. Keep it safe: you need it every time you open "
                 "your mailbox.")
    return _action(run)


@blueprint.route("/postbus/bericht", methods=["POST"])
def mailbox_message() -> Response | tuple[str, int]:
    def run(opened: mailbox.OpenMailbox) -> str | tuple[str, int]:
        form = MessageForm()
        if not form.validate():
            return _render_mailbox(opened, 400, message_form=form)
        mailbox.send_message(db.session, runtime(), opened, form.body.data or "")
        return _("Your message has been sent.")
    return _action(run, when_closed=lambda: _sign_in_to_send(request.form.get("body", "")))


@blueprint.route("/postbus/openhouden", methods=["POST"])
def mailbox_keep_open() -> Response | tuple[str, int]:
    """"Keep my mailbox open": opening it (in _action) restarts the idle limit."""
    def run(opened: mailbox.OpenMailbox) -> str:
        if not EmptyForm().validate():
            raise mailbox.NotAllowed("form")
        closing = closing_times(opened)
        return _("Your mailbox stays open until %(time)s if you do nothing.",
                 time=closing["next_close"])
    return _action(run)


@blueprint.route("/postbus/bestanden", methods=["POST"])
@accepts_uploads
def mailbox_files() -> Response | tuple[str, int]:
    def run(opened: mailbox.OpenMailbox) -> str | tuple[str, int]:
        if getattr(request, "upload_overflow", False):
            return _render_mailbox(opened, 413, file_error=too_large_text())
        try:
            files = collect_files(request.files.getlist("attachments"))
        except UploadRefused as error:
            return _render_mailbox(opened, error.status, file_error=message_for(error))
        if not files:
            return _render_mailbox(opened, 400, file_error=_("Choose one or more files."))
        count = mailbox.add_files(db.session, runtime(), opened, files,
                                  neutral_names=_neutral_names_chosen())
        added = _("%(n)d file(s) added to your report.", n=count)
        if removed := _removed(files):
            added += " " + _("We removed hidden data from your documents: %(what)s. Names or "
                             "other details in the text itself are not removed.",
                             what=", ".join(removed))
        return added
    return _action(run)


@blueprint.route("/postbus/gesprek", methods=["POST"])
def mailbox_meeting() -> Response | tuple[str, int]:
    def run(opened: mailbox.OpenMailbox) -> str | tuple[str, int]:
        form = MeetingForm()
        if not form.validate():
            return _render_mailbox(opened, 400, meeting_form=form)
        mailbox.request_meeting(
            db.session, runtime(), opened,
            _("Request for a meeting: I would like to tell my report in person."),
            form.note.data or "")
        return _("Your request for a meeting has been sent.")
    return _action(run)


def _correction_form(minutes_id: int) -> MinutesCorrectionForm:
    # A prefix per minutes: each form on the page has its own field ids.
    return MinutesCorrectionForm(prefix=f"minutes{minutes_id}")


def _posted_version() -> int:
    raw = request.form.get("version", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else 0


def _minutes_refused(opened: mailbox.OpenMailbox, error: MinutesError) -> tuple[str, int]:
    """Minutes of another report (a forged id) are not found (404); an answer
    to a version that is no longer waiting (answered already, or revised) is
    refused (409) and the current state shown."""
    flash(message_for(error, audience="reporter"), "error")
    return _render_mailbox(opened, 404 if isinstance(error, NotFound) else Conflict.status)


@blueprint.route("/postbus/verslag/<int:minutes_id>/akkoord", methods=["POST"])
def mailbox_minutes_approve(minutes_id: int) -> Response | tuple[str, int]:
    def run(opened: mailbox.OpenMailbox) -> str | tuple[str, int]:
        try:
            mailbox.approve_minutes(db.session, runtime(), opened, minutes_id,
                                    _posted_version())
        except MinutesError as error:
            return _minutes_refused(opened, error)
        return _("Thank you. You have approved the record of the meeting.")
    return _action(run)


@blueprint.route("/postbus/verslag/<int:minutes_id>/correcties", methods=["POST"])
def mailbox_minutes_correct(minutes_id: int) -> Response | tuple[str, int]:
    def run(opened: mailbox.OpenMailbox) -> str | tuple[str, int]:
        form = _correction_form(minutes_id)
        if not form.validate():
            forms = {"correction_form": lambda mid: form if mid == minutes_id
                     else _correction_form(mid)}
            return _render_mailbox(opened, 400, **forms)
        try:
            mailbox.correct_minutes(db.session, runtime(), opened, minutes_id,
                                    _posted_version(), form.corrections.data or "")
        except MinutesError as error:
            return _minutes_refused(opened, error)
        return _("Your corrections have been sent. The handler will make a new version "
                 "for you to check.")
    return _action(run)


def _consent_change() -> tuple[bool, bool]:
    """(give, confirmed) of a consent request: GET shows what it means,
    only a POST with confirm=yes (from that page) carries it out."""
    give = (request.values.get("consent") or "") == "give"
    confirmed = (request.method == "POST" and EmptyForm().validate()
                 and request.form.get("confirm") == "yes")
    return give, confirmed


@blueprint.route("/postbus/toestemming", methods=["GET", "POST"])
def mailbox_consent() -> Response | tuple[str, int]:
    """Consent for the vertrouwenspersoon to pass the report on: first a
    page that says what is passed on, to whom, what happens next and how to
    withdraw; only its confirmation changes anything."""
    def run(opened: mailbox.OpenMailbox) -> str | tuple[str, int]:
        give, confirmed = _consent_change()
        if request.method == "GET":
            change = mailbox.pass_on_request(db.session, runtime(), opened, give)
            return render_template("reporting/consent_confirm.html", pass_on=change,
                                   feedback_months=runtime().settings.feedback_months,
                                   button_form=EmptyForm()), 200
        if not confirmed:
            raise mailbox.NotAllowed("confirm")
        mailbox.set_consent(db.session, runtime(), opened, give)
        return (_("You gave permission to pass your report on to the integrity coordinator.")
                if give else _("You withdrew your permission. Your report is not passed on."))
    return _action(run)


@blueprint.route("/postbus/naam", methods=["GET", "POST"])
def mailbox_name_consent() -> Response | tuple[str, int]:
    """Consent, per recipient, that they may learn the reporter's name: a
    page that shows exactly what they would see, then its confirmation."""
    def run(opened: mailbox.OpenMailbox) -> str | tuple[str, int]:
        give, confirmed = _consent_change()
        recipient = (request.values.get("recipient") or "")[:40]
        if request.method == "GET":
            change = mailbox.name_consent_request(db.session, runtime(), opened, recipient,
                                                  give)
            return render_template("reporting/consent_confirm.html", name=change,
                                   button_form=EmptyForm()), 200
        if not confirmed:
            raise mailbox.NotAllowed("confirm")
        mailbox.set_name_consent(db.session, runtime(), opened, recipient, give)
        return (_("Done: from now on they may see your name.") if give else
                _("Done: from now on they can no longer see your name. What they already "
                  "read, they know."))
    return _action(run)


@blueprint.route("/postbus/identiteit", methods=["POST"])
def mailbox_disclose() -> Response | tuple[str, int]:
    def run(opened: mailbox.OpenMailbox) -> str | tuple[str, int]:
        form = DiscloseForm()
        if not form.validate():
            return _render_mailbox(opened, 400, disclose_form=form)
        mailbox.disclose_identity(db.session, runtime(), opened, form.channel.data or "",
                                  form.identity_data())
        return _("Your name and contact details have been added to your report.")
    return _action(run)


@blueprint.route("/postbus/intrekken", methods=["POST"])
def mailbox_withdraw() -> Response | tuple[str, int]:
    def run(opened: mailbox.OpenMailbox) -> str:
        if not EmptyForm().validate() or request.form.get("confirm") != "yes":
            raise mailbox.NotAllowed("confirm")
        mailbox.withdraw(db.session, runtime(), opened)
        return _("You have withdrawn your report. It is now closed.")
    return _action(run)


@blueprint.route("/postbus/sluiten", methods=["POST"])
def mailbox_close() -> Response:
    opened = _open()
    if opened is not None:
        mailbox.close_mailbox(db.session, runtime(), opened)
    _forget_cookie()
    flash(_("Your mailbox is closed."), "success")
    return redirect(url_for("reporting.mailbox_page"))
