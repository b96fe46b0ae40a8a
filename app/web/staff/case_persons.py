"""Persons concerned on a case (issue #24): who they are, whether they were
informed, their hearing, their requests and the redacted extract; the
repeat signal; the ICC's list of requests to look; the register of
data-subject requests.

The domain lives in app/cases/persons.py, hearings.py and
subject_requests.py; a form refused here or there shows the page again with
what was typed and why (HTTP 400)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from werkzeug.wrappers import Response as BaseResponse

from app.cases import hearings, persons, subject_requests
from app.cases.access import OpenCase, open_case
from app.cases.hearings import HearingError
from app.cases.persons import PersonDetails, PersonError
from app.cases.subject_requests import ExtractChoice, RequestError
from app.errors import NotFound
from app.localtime import local_date
from app.models import User, utcnow
from app.vocabulary import AuditAction, PersonRole, Role, Track
from app.web.extensions import db
from app.web.forms import EmptyForm, Form
from app.web.messages import message_for
from app.web.security import current_private_key, runtime, staff_required
from app.web.staff.case_blueprint import blueprint, check_csrf, external_only, handler_required
from app.web.staff.person_forms import (
    REQUEST_PREFIX,
    DecisionForm,
    DeferForm,
    HearingCommentsForm,
    HearingRevisionForm,
    InformedForm,
    PersonForm,
    RequestForm,
    comments_prefix,
    decision_prefix,
    defer_prefix,
    informed_prefix,
    person_prefix,
    revision_prefix,
)

# The errors a form here may meet: its page again, with the text.
FORM_ERRORS = (PersonError, HearingError, RequestError)
Action = Callable[[OpenCase, Any], str]


def _open(user: User, number: str, action: AuditAction = AuditAction.CASE_OPEN) -> OpenCase:
    """A holder of the case; not the external bureau, whose keys never open
    the case file (403, as for messages)."""
    opened = open_case(db.session, runtime(), user, current_private_key(), number, action=action)
    if external_only(user):
        abort(403)
    return opened


def _today() -> date:
    return local_date(utcnow(), runtime().settings.zone)


def _unbound(cls: type[Form], prefix: str, **data: Any) -> Form:
    """A form shown fresh (not filled from this request's POST)."""
    return cls(prefix=prefix, formdata=None, **data)


def _page(user: User, opened: OpenCase, *, bound: dict[str, Form] | None = None,
          error: str | None = None, status: int = 200) -> tuple[str, int]:
    rt = runtime()
    case, key = opened.case, opened.key
    found, counts = persons.lookup_repeats(db.session, rt, user, case, key)
    forms = dict(bound or {})

    def form(cls: type[Form], prefix: str, **data: Any) -> Form:
        return forms.get(prefix) or _unbound(cls, prefix, **data)

    request_form = form(RequestForm, REQUEST_PREFIX, received_on=_today())
    request_form.person_id.choices = [("", _("Someone else"))] + [
        (str(p.id), p.name) for p in found]
    return render_template(
        "cases/persons.html", case=case, persons=found, counts=counts,
        reviews={p.id: persons.open_review_of(db.session, case, p.id) for p in found},
        hearings=hearings.read_hearings(db.session, case, key, found),
        requests=subject_requests.read_requests(db.session, case, key),
        names={p.id: p.name for p in found}, today=_today(), error=error,
        may_ask_icc=case.track is Track.REPORT, form=EmptyForm(),
        new_person=form(PersonForm, person_prefix(None)),
        person_form=lambda p: form(PersonForm, person_prefix(p.id), obj=p),
        informed_form=lambda p: form(InformedForm, informed_prefix(p.id), on=_today()),
        defer_form=lambda p: form(DeferForm, defer_prefix(p.id)),
        revision_form=lambda h: form(HearingRevisionForm, revision_prefix(h.id)),
        comments_form=lambda h: form(HearingCommentsForm, comments_prefix(h.id)),
        request_form=request_form,
        decision_form=lambda r: form(DecisionForm, decision_prefix(r.id)),
    ), status


def _submit(user: User, number: str, cls: type[Form], prefix: str, act: Action,
            anchor: str) -> BaseResponse | tuple[str, int]:
    """Validate the form, take the action, and go back to the page; a refused
    form comes back with what was typed and why."""
    opened = _open(user, number, AuditAction.CASE_OPEN_FOR_ACTION)
    form = cls(prefix=prefix)
    if prefix == REQUEST_PREFIX:
        form.person_id.choices = []
    if not form.validate_on_submit():
        # (A wrong CSRF token never gets here: CSRFProtect refuses it first.)
        return _page(user, opened, bound={prefix: form}, status=400,
                     error=_("Check the form: something is missing or not valid."))
    try:
        done = act(opened, form)
    except FORM_ERRORS as error:
        if isinstance(error, NotFound):
            raise
        return _page(user, opened, bound={prefix: form}, error=message_for(error), status=400)
    flash(done, "success")
    return redirect(url_for("cases.persons_page", number=number, _anchor=anchor))


def _then(user: User, number: str, act: Callable[[OpenCase], str],
          anchor: str) -> BaseResponse:
    """A button without a form: the CSRF token, the action, back to the page
    (a refusal is said there)."""
    check_csrf()
    opened = _open(user, number, AuditAction.CASE_OPEN_FOR_ACTION)
    try:
        flash(act(opened), "success")
    except FORM_ERRORS as error:
        if isinstance(error, NotFound):
            raise
        flash(message_for(error), "error")
    return redirect(url_for("cases.persons_page", number=number, _anchor=anchor))


def _version() -> int:
    raw = request.form.get("version", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else 0


def _details(form: Any) -> PersonDetails:
    return PersonDetails(name=form.name.data or "", function=form.function.data or "",
                         unit=form.unit.data or "", role=PersonRole(form.role.data))


def _excluded_text(exclusions: persons.Exclusions) -> str:
    names = ", ".join(exclusions.excluded)
    return _(" %(names)s can no longer open this case: named as a person concerned.",
             names=names) if names else ""


# --- the page ---------------------------------------------------------------------------


@blueprint.route("/<number>/betrokkenen")
@handler_required
def persons_page(user: User, number: str) -> tuple[str, int]:
    return _page(user, _open(user, number))


def _recorded(user: User, number: str, person_id: int | None) -> BaseResponse | tuple[str, int]:
    """Record a new person, or correct one; a handler who named themselves
    has recused, and the case is gone for them."""
    recused: list[bool] = []

    def act(opened: OpenCase, form: Any) -> str:
        if person_id is None:
            exclusions = persons.add_person(db.session, runtime(), opened.case, opened.key,
                                            user, _details(form))[1]
            done = _("The person concerned has been recorded.")
        else:
            exclusions = persons.change_person(db.session, runtime(), opened.case, opened.key,
                                               user, person_id, _details(form))
            done = _("The details have been corrected.")
        recused.append(exclusions.recused)
        return done + _excluded_text(exclusions)

    response = _submit(user, number, PersonForm, person_prefix(person_id), act, "persons")
    if any(recused):
        flash(_("You are named as a person concerned in case %(number)s, so you have recused "
                "yourself from it.", number=number), "info")
        return redirect(url_for("cases.my_cases"))
    return response


@blueprint.route("/<number>/betrokkenen", methods=["POST"])
@handler_required
def person_add(user: User, number: str) -> BaseResponse | tuple[str, int]:
    return _recorded(user, number, None)


@blueprint.route("/<number>/betrokkenen/<int:person_id>", methods=["POST"])
@handler_required
def person_change(user: User, number: str, person_id: int) -> BaseResponse | tuple[str, int]:
    return _recorded(user, number, person_id)


@blueprint.route("/<number>/betrokkenen/<int:person_id>/verwijderen", methods=["POST"])
@handler_required
def person_remove(user: User, number: str, person_id: int) -> BaseResponse:
    def act(opened: OpenCase) -> str:
        persons.remove_person(db.session, runtime(), opened.case, user, person_id)
        return _("The person concerned has been removed from the case.")

    return _then(user, number, act, "persons")


@blueprint.route("/<number>/betrokkenen/<int:person_id>/geinformeerd", methods=["POST"])
@handler_required
def person_informed(user: User, number: str, person_id: int) -> BaseResponse | tuple[str, int]:
    def act(opened: OpenCase, form: Any) -> str:
        persons.record_informed(db.session, runtime(), opened.case, opened.key, user, person_id,
                                on=form.on.data, means=form.means.data,
                                note=form.note.data or "")
        return _("Recorded: the person concerned was informed.")

    return _submit(user, number, InformedForm, informed_prefix(person_id), act, "persons")


@blueprint.route("/<number>/betrokkenen/<int:person_id>/uitgesteld", methods=["POST"])
@handler_required
def person_deferred(user: User, number: str, person_id: int) -> BaseResponse | tuple[str, int]:
    def act(opened: OpenCase, form: Any) -> str:
        persons.defer_notice(db.session, runtime(), opened.case, opened.key, user, person_id,
                             ground=form.ground.data, review_on=form.review_on.data,
                             note=form.note.data or "")
        return _("Recorded: informing is deferred until the review date, which shows on the "
                 "start page when it is near.")

    return _submit(user, number, DeferForm, defer_prefix(person_id), act, "persons")


@blueprint.route("/<number>/betrokkenen/<int:person_id>/icc", methods=["POST"])
@handler_required
def person_ask_icc(user: User, number: str, person_id: int) -> BaseResponse:
    def act(opened: OpenCase) -> str:
        persons.ask_icc(db.session, runtime(), opened.case, opened.key, user, person_id)
        return _("The ICC has been asked to look. The ICC can now read this report and its "
                 "case file (not the reporter's identity).")

    return _then(user, number, act, "persons")


# --- hearings -------------------------------------------------------------------------------


@blueprint.route("/<number>/hoorzittingen/<int:hearing_id>/herzien", methods=["POST"])
@handler_required
def hearing_revise(user: User, number: str, hearing_id: int) -> BaseResponse | tuple[str, int]:
    def act(opened: OpenCase, form: Any) -> str:
        version = hearings.revise_hearing(db.session, runtime(), opened.case, opened.key, user,
                                          hearing_id, text=form.body.data or "",
                                          present=form.present.data or "")
        return _("Version %(n)d of the hearing minutes has been saved.", n=version)

    return _submit(user, number, HearingRevisionForm, revision_prefix(hearing_id), act,
                   "hearings")


@blueprint.route("/<number>/hoorzittingen/<int:hearing_id>/reactie", methods=["POST"])
@handler_required
def hearing_comments(user: User, number: str,
                     hearing_id: int) -> BaseResponse | tuple[str, int]:
    def act(opened: OpenCase, form: Any) -> str:
        hearings.record_comments(db.session, runtime(), opened.case, opened.key, user,
                                 hearing_id, _version(), form.comments.data or "")
        return _("The comments of the person heard have been recorded. Make a revised version.")

    return _submit(user, number, HearingCommentsForm, comments_prefix(hearing_id), act,
                   "hearings")


HEARING_STEPS: dict[str, tuple[Callable[..., None], LazyString]] = {
    "gegeven": (hearings.give_to_person, _l("Recorded: the minutes were given to the person "
                                            "heard to check.")),
    "akkoord": (hearings.record_approval, _l("Recorded: the person heard approved the "
                                             "minutes.")),
    "geweigerd": (hearings.record_declined, _l("Recorded: the person heard declined.")),
}


@blueprint.route("/<number>/hoorzittingen/<int:hearing_id>/<step>", methods=["POST"])
@handler_required
def hearing_step(user: User, number: str, hearing_id: int, step: str) -> BaseResponse:
    if step not in HEARING_STEPS:
        abort(404)
    take, done = HEARING_STEPS[step]

    def act(opened: OpenCase) -> str:
        take(db.session, runtime(), opened.case, user, hearing_id, _version())
        return str(done)

    return _then(user, number, act, "hearings")


# --- data-subject requests ------------------------------------------------------------------


@blueprint.route("/<number>/verzoeken", methods=["POST"])
@handler_required
def request_add(user: User, number: str) -> BaseResponse | tuple[str, int]:
    def act(opened: OpenCase, form: Any) -> str:
        chosen = form.person_id.data or ""
        person_id = int(chosen) if chosen.isascii() and chosen.isdigit() and len(
            chosen) <= 9 else None
        row = subject_requests.register_request(
            db.session, runtime(), opened.case, opened.key, user, kind=form.kind.data,
            received_on=form.received_on.data, person_id=person_id,
            requester=form.requester.data or "", contact=form.contact.data or "",
            details=form.details.data or "")
        return _("The request has been registered. Answer it by %(date)s.",
                 date=row.due_on.strftime("%d-%m-%Y"))

    return _submit(user, number, RequestForm, REQUEST_PREFIX, act, "requests")


@blueprint.route("/<number>/verzoeken/<int:request_id>/besluit", methods=["POST"])
@handler_required
def request_decide(user: User, number: str, request_id: int) -> BaseResponse | tuple[str, int]:
    def act(opened: OpenCase, form: Any) -> str:
        subject_requests.decide_request(db.session, runtime(), opened.case, user, request_id,
                                        decision=form.decision.data,
                                        ground=form.ground.data or None)
        return _("The decision on the request has been recorded.")

    return _submit(user, number, DecisionForm, decision_prefix(request_id), act, "requests")


def _choose_page(user: User, opened: OpenCase, request_id: int, *, error: str | None = None,
                 typed: str = "", status: int = 200) -> tuple[str, int]:
    sources = subject_requests.extract_sources(db.session, opened.case, opened.key, request_id)
    return render_template(
        "cases/extract_choose.html", case=opened.case, sources=sources, error=error,
        typed=typed, form=EmptyForm(),
        identity_checked=subject_requests.identity_readable(opened.key, opened.case),
    ), status


@blueprint.route("/<number>/verzoeken/<int:request_id>/uittreksel")
@handler_required
def extract_choose(user: User, number: str, request_id: int) -> tuple[str, int]:
    return _choose_page(user, _open(user, number, AuditAction.CASE_OPEN_FOR_ACTION), request_id)


def _ids(name: str) -> frozenset[int]:
    return frozenset(int(v) for v in request.form.getlist(name)
                     if v.isascii() and v.isdigit() and len(v) <= 9)


@blueprint.route("/<number>/verzoeken/<int:request_id>/uittreksel", methods=["POST"])
@handler_required
def extract_make(user: User, number: str, request_id: int) -> tuple[str, int]:
    check_csrf()
    opened = _open(user, number, AuditAction.CASE_OPEN_FOR_ACTION)
    typed = request.form.get("black_out", "")
    choice = ExtractChoice(
        person_ids=_ids("person_ids"), hearing_ids=_ids("hearing_ids"),
        report_fields=tuple(request.form.getlist("report_fields")),
        outcome=bool(request.form.get("outcome")),
        black_out=tuple(line for line in typed.splitlines() if line.strip()))
    try:
        extract = subject_requests.build_extract(db.session, runtime(), opened.case, opened.key,
                                                 user, request_id, choice)
    except RequestError as error:
        if isinstance(error, NotFound):
            raise
        return _choose_page(user, opened, request_id, error=message_for(error), typed=typed,
                            status=400)
    return render_template("cases/extract.html", case=opened.case, extract=extract), 200


@blueprint.route("/verzoeken")
@handler_required
def request_register(user: User) -> str:
    return render_template(
        "cases/requests_register.html", today=_today(),
        open_rows=subject_requests.request_register(db.session, user),
        decided_rows=subject_requests.request_register(db.session, user, decided=True))


# --- the ICC: requests to look at a person named in several cases ---------------------------

icc_required = staff_required(Role.ICC)


@blueprint.route("/herhaling")
@icc_required
def reviews(user: User) -> str:
    return render_template("cases/reviews.html", open_rows=persons.reviews(db.session),
                           done_rows=persons.reviews(db.session, done=True))


@blueprint.route("/herhaling/<int:review_id>")
@icc_required
def review(user: User, review_id: int) -> str:
    result = persons.review_lookup(db.session, runtime(), user, current_private_key(),
                                   review_id)
    return render_template("cases/review.html", result=result, form=EmptyForm())


@blueprint.route("/herhaling/<int:review_id>/afgehandeld", methods=["POST"])
@icc_required
def review_done(user: User, review_id: int) -> BaseResponse:
    check_csrf()
    persons.finish_review(db.session, runtime(), user, review_id)
    flash(_("Marked as looked at."), "success")
    return redirect(url_for("cases.reviews"))

