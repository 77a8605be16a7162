"""The admin's page for the household's accounts."""

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from diary.extensions import db
from diary.forms import NewAccountForm
from diary.models import User
from diary.rules import EntryError
from diary.services import accounts

bp = Blueprint("household", __name__, url_prefix="/household")


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


@bp.route("/", methods=["GET", "POST"])
@admin_required
def members():
    """List the household's accounts and add one; nobody sees another's diary."""
    form = NewAccountForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(form.username.data, form.password.data)
        except EntryError as exc:
            form.username.errors = [str(exc)]
        else:
            message = _(
                "Account “%(name)s” created. Give them the password to sign in.", name=user.username
            )
            flash(message, "success")
            return redirect(url_for("household.members"))
    users = db.session.scalars(select(User).order_by(User.username)).all()
    page = render_template("household/members.html", form=form, users=users)
    return page, 422 if form.errors else 200
