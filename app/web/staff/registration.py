"""Staff registration of a report received by another channel, and of a
confidential counsellor's signal."""

from __future__ import annotations

from flask import (
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from app.cases import registration
from app.models import User
from app.vocabulary import UnitKind
from app.web.extensions import db
from app.web.messages import message_for
from app.web.security import runtime
from app.web.staff import choices
from app.web.staff.case_blueprint import (
    blueprint,
    registrar_required,
    vp_required,
)
from app.web.staff.case_forms import (
    RegisterForm,
    SignalForm,
)

# --- registration of reports and signals --------------------------------------------


@blueprint.route("/registreren", methods=["GET", "POST"])
@registrar_required
def register(user: User) -> str | tuple[str, int] | BaseResponse:
    form = RegisterForm()
    form.unit_id.choices = choices.unit_choices(db.session)
    form.category.choices = [("", _("Not yet known"))] + choices.category_choices()
    if form.validate_on_submit():
        identity = {k: getattr(form, k).data.strip() for k in ("name", "email", "phone")
                    if (getattr(form, k).data or "").strip()}
        report = {k: getattr(form, k).data.strip() for k in ("what", "when", "where", "involved")
                  if (getattr(form, k).data or "").strip()}
        try:
            case, code = registration.register_report(
                db.session, runtime(), user, registration.Registration(
                    unit_id=form.unit_id.data, track=form.track.data or "report",
                    channel=form.channel.data or "confidential",
                    intake_channel=form.intake_channel.data or "phone",
                    report=report, identity=identity or None,
                    category=form.category.data or None,
                    with_receipt=bool(form.with_receipt.data),
                ))
        except registration.RegistrationError as error:
            flash(message_for(error), "error")
            return render_template("cases/register.html", form=form), error.status
        # Rendered, not redirected: the code is shown once and stored nowhere.
        return render_template("cases/registered.html", case=case, code=code)
    return render_template("cases/register.html", form=form)


@blueprint.route("/signaal", methods=["GET", "POST"])
@vp_required
def signal(user: User) -> str | tuple[str, int] | BaseResponse:
    form = SignalForm()
    form.unit_id.choices = choices.unit_choices(db.session)
    form.kind.choices = choices.signal_type_choices() or [("overig", _("Other"))]
    if request.method == "GET" and user.unit.kind == UnitKind.UNIT:
        form.unit_id.data = user.unit_id
    if form.validate_on_submit():
        category, _sep, sub = (form.kind.data or "").partition("/")
        try:
            registration.register_signal(db.session, runtime(), user, registration.Signal(
                unit_id=form.unit_id.data, category=category, subcategory=sub or None,
                on=form.on.data, advice_given=bool(form.advice_given.data),
                referred_to=form.referred_to.data or None,
            ))
        except registration.RegistrationError as error:
            flash(message_for(error), "error")
            return render_template("cases/signal.html", form=form), error.status
        flash(_("The signal has been registered. Thank you."), "success")
        return redirect(url_for("cases.signal"))
    return render_template("cases/signal.html", form=form)


