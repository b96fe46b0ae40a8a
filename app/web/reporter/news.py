"""The reporter's opt-in news e-mail in the mailbox: leave an address (after
reading what it costs in anonymity) or remove it
(app/cases/reporter_contact.py)."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.cases import mailbox
from app.cases.reporter_contact import AddressRefused
from app.web.extensions import db
from app.web.forms import EmptyForm
from app.web.messages import message_for
from app.web.reporter.forms import NEWS_PREFIX, NewsAddressForm
from app.web.reporter.routes import _action, _render_mailbox, blueprint
from app.web.security import runtime


@blueprint.route("/postbus/nieuws-per-mail", methods=["POST"])
def mailbox_news_address() -> Response | tuple[str, int]:
    def run(opened: mailbox.OpenMailbox) -> str | tuple[str, int]:
        form = NewsAddressForm(prefix=NEWS_PREFIX)
        if not form.validate():
            return _render_mailbox(opened, 400, news_form=form)
        try:
            mailbox.set_news_address(db.session, runtime(), opened, form.address.data or "")
        except AddressRefused as error:
            # The form again with what was typed, and why not.
            form.address.errors = [message_for(error)]
            return _render_mailbox(opened, error.status, news_form=form)
        return _("Done: when there is news in your mailbox, you get an e-mail without any "
                 "content. You can remove your address at any time.")
    return _action(run)


@blueprint.route("/postbus/nieuws-per-mail/verwijderen", methods=["POST"])
def mailbox_news_address_remove() -> Response | tuple[str, int]:
    def run(opened: mailbox.OpenMailbox) -> str:
        if not EmptyForm().validate() or request.form.get("confirm") != "yes":
            raise mailbox.NotAllowed("confirm")
        mailbox.remove_news_address(db.session, runtime(), opened)
        return _("Your e-mail address has been deleted. You no longer get e-mail from us.")
    return _action(run)
