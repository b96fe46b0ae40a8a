"""The functional administrator's pages: users and units, and the start page
texts. No case content, ever: admins hold no case keys and case routes
refuse them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from app.accounts import service
from app.cases import handover
from app.models import Unit, User
from app.vocabulary import Role
from app.web import start_page
from app.web.extensions import db
from app.web.forms import EmptyForm, PageTextForm, UserForm
from app.web.i18n import LANGUAGES
from app.web.labels import ROLE_LABELS, unit_kind_label
from app.web.messages import message_for
from app.web.security import admin_required, runtime

blueprint = Blueprint("admin", __name__, url_prefix="/medewerkers/beheer")

def _user_form(obj: User | None = None) -> UserForm:
    form = UserForm(obj=obj)
    units = db.session.scalars(select(Unit).where(Unit.active).order_by(Unit.kind, Unit.name))
    # Every kind of unit, each named by its kind: an account of an external
    # bureau or counsellor belongs to that unit.
    form.unit.choices = [(unit.id, f"{unit.name} ({unit_kind_label(unit.kind)})")
                         for unit in units]
    form.roles.choices = [(role, str(ROLE_LABELS[role])) for role in Role]
    return form


def _get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@blueprint.route("/gebruikers")
@admin_required
def users(admin: User) -> str:
    rows = db.session.scalars(select(User).order_by(User.display_name)).all()
    return render_template("admin/users.html", users=rows, role_labels=ROLE_LABELS)


@blueprint.route("/gebruikers/nieuw", methods=["GET", "POST"])
@admin_required
def new_user(admin: User) -> str | Response:
    form = _user_form()
    if form.validate_on_submit():
        rt = runtime()
        unit = db.session.get(Unit, form.unit.data)
        try:
            if unit is None:
                raise service.AccountError("unknown_role")
            user, initial = service.create_user(
                db.session, rt, email=form.email.data or "",
                display_name=form.display_name.data or "", unit=unit,
                roles=set(form.roles.data or []), actor=f"user:{admin.id}",
                active=bool(form.active.data),
            )
        except service.AccountError as error:
            flash(message_for(error), "error")
        else:
            return render_template("admin/temporary_password.html", user=user, password=initial)
    return render_template("admin/user_form.html", form=form, user=None)


@blueprint.route("/gebruikers/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit_user(admin: User, user_id: int) -> str | Response | tuple[str, int]:
    user = _get_user(user_id)
    form = _user_form(user)
    if not form.is_submitted():
        form.roles.data = sorted(user.roles)
        form.unit.data = user.unit_id
    if form.validate_on_submit():
        held = _deactivation_holds(user, bool(form.active.data))
        if held:
            # Their cases first: the same form, what was typed kept, with the
            # open cases listed and a box to deactivate all the same.
            form.email.render_kw = {"readonly": True}
            return render_template("admin/user_form.html", form=form, user=user,
                                   action_form=EmptyForm(), held=held), 409
        unit = db.session.get(Unit, form.unit.data)
        try:
            if unit is None:
                raise service.AccountError("unknown_role")
            service.update_user(db.session, runtime(), admin, user,
                                display_name=form.display_name.data or "", unit=unit,
                                roles=set(form.roles.data or []), active=bool(form.active.data))
        except service.AccountError as error:
            flash(message_for(error), "error")
        else:
            flash(_("The account has been saved."), "success")
            return redirect(url_for("admin.users"))
    form.email.render_kw = {"readonly": True}
    return render_template("admin/user_form.html", form=form, user=user, action_form=EmptyForm())


def _deactivation_holds(user: User, stays_active: bool) -> list[handover.HeldCase]:
    """Deactivating a holder: their open cases, unless the admin confirmed
    after seeing them (then, and for any other change, nothing)."""
    if stays_active or not user.active or request.form.get("confirm_deactivate") == "yes":
        return []
    return handover.open_cases_of(db.session, user)


@blueprint.route("/gebruikers/<int:user_id>/wachtwoord-herstellen", methods=["POST"])
@admin_required
def reset_password(admin: User, user_id: int) -> str | Response:
    user = _get_user(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    temporary = service.admin_reset_password(db.session, runtime(), admin, user)
    return render_template("admin/temporary_password.html", user=user, password=temporary,
                           was_reset=True)


@blueprint.route("/gebruikers/<int:user_id>/tweede-factor-herstellen", methods=["POST"])
@admin_required
def reset_second_factor(admin: User, user_id: int) -> Response:
    user = _get_user(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    service.admin_reset_second_factor(db.session, runtime(), admin, user)
    flash(_("The second factor has been reset. The user sets it up again at the next sign-in."),
          "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@blueprint.route("/gebruikers/<int:user_id>/deblokkeren", methods=["POST"])
@admin_required
def unlock(admin: User, user_id: int) -> Response:
    user = _get_user(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    service.admin_unlock(db.session, runtime(), admin, user)
    flash(_("The account has been unlocked."), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


# --- start page texts -------------------------------------------------------------------

LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


def _start_preview(lang: str) -> Markup:
    """The start page as a reporter in `lang` sees it, headings included.
    Rendered from our own template, where every admin text is escaped."""
    texts = start_page.page_texts(db.session, lang)
    with force_locale(lang):
        return Markup(render_template("admin/_start_preview.html", texts=texts))  # noqa: S704  # nosec B704


@blueprint.route("/startpagina")
@admin_required
def start_page_texts(admin: User) -> str:
    lang = request.args.get("taal", "")
    if lang not in LANGUAGES:
        lang = LANGUAGES[0]
    return render_template("admin/start_page.html", lang=lang, language_names=LANGUAGE_NAMES,
                           texts=start_page.page_texts(db.session, lang),
                           preview=_start_preview(lang))


@blueprint.route("/startpagina/<section>/<lang>", methods=["GET", "POST"])
@admin_required
def edit_page_text(admin: User, section: str, lang: str) -> tuple[str, int] | Response:
    if not start_page.is_section(section, lang):
        abort(404)
    current = start_page.section_text(db.session, section, lang)
    form = PageTextForm()
    if not form.is_submitted():
        form.body.data = current.text
    preview = None
    status = 200
    if form.is_submitted():
        if not form.validate():
            status = 400
        elif request.form.get("action") == "preview":
            preview = start_page.blocks(start_page.clean_text(form.body.data or ""))
        else:
            try:
                changed = start_page.save_text(db.session, runtime(), admin, section, lang,
                                               form.body.data or "")
            except IntegrityError:  # another admin saved the same section at the same moment
                flash(_("Somebody else saved this text at the same moment. Check it and save "
                        "again."), "error")
                status = 409
            else:
                flash(_("The text has been saved. The start page shows it now.") if changed
                      else _("Nothing has changed."), "success")
                return redirect(url_for("admin.start_page_texts", taal=lang))
    return render_template(
        "admin/page_text_form.html", form=form, current=current, lang=lang,
        language_name=LANGUAGE_NAMES[lang], preview=preview, action_form=EmptyForm(),
        max_chars=start_page.MAX_CHARS,
        default_blocks=start_page.blocks(start_page.default_text(section, lang)),
    ), status


@blueprint.route("/startpagina/<section>/<lang>/standaardtekst", methods=["POST"])
@admin_required
def reset_page_text(admin: User, section: str, lang: str) -> Response:
    if not start_page.is_section(section, lang):
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if start_page.reset_text(db.session, runtime(), admin, section, lang):
        flash(_("The standard text is back on the start page."), "success")
    else:
        flash(_("This section already shows the standard text."), "success")
    return redirect(url_for("admin.start_page_texts", taal=lang))
