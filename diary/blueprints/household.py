"""The admin's page for the household's accounts."""

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from diary.extensions import db
from diary.forms import NewAccountForm, NewPasswordForm
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
    if request.method != "POST":
        return _members_page(None)
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
    return _members_page(form), 422 if form.errors else 200


def _members_page(form: NewAccountForm | None) -> str:
    """Render the accounts and the form to add one (a blank one when form is None)."""
    # What the list shows of each account: the list is kept under it (another account's
    # rows move no version of the admin's diary).
    users = db.session.execute(
        select(User.id, User.username, User.is_admin, User.timezone).order_by(User.username)
    ).all()
    return render_template(
        "household/members.html",
        # Built only when the blank form's kept part is not (diary/fragments.py).
        make_form=lambda: form or NewAccountForm(),
        users=tuple(users),
    )


@bp.route("/<int:user_id>/password", methods=["GET", "POST"])
@admin_required
def set_password(user_id: int):
    """Set a new password for a member who forgot theirs; every sign-in of theirs ends."""
    member = db.session.get(User, user_id)
    if member is None:
        abort(404)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password(member, form.new.data)
        except EntryError as exc:
            form.new.errors = [str(exc)]
        else:
            message = _(
                "New password set for “%(name)s”: they are signed out everywhere and sign in"
                " with it.",
                name=member.username,
            )
            flash(message, "success")
            return redirect(url_for("household.members"))
    page = render_template("household/password.html", form=form, member=member)
    return page, 422 if form.errors else 200
