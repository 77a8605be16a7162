"""First run, sign in and out, and the user's own settings."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired
from wtforms.widgets import DateInput, NumberInput

from diary import throttle
from diary.blueprints import check_ins
from diary.clock import server_timezone, timezone_names
from diary.extensions import db, login_manager
from diary.forms import (
    DiaryForm,
    LongSelect,
    NewAccountForm,
    NewPasswordForm,
    ServiceForm,
    owned_or_404,
)
from diary.i18n import LANGUAGES
from diary.models import ApiToken, LoginSession
from diary.rules import EntryError
from diary.services import accounts, tokens
from diary.services.days import RULES
from diary.sqlite import read_phase, spare_write
from diary.urls import safe_next

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(token: str):
    return accounts.load_login_session(token)


@bp.before_app_request
def require_first_account():
    """Send every visit to the first-run page until an account exists."""
    if current_app.extensions.get("diary.has_users"):
        return None
    if accounts.has_users():
        current_app.extensions["diary.has_users"] = True
        return None
    if request.blueprint == "api":
        return None
    if request.endpoint not in {"auth.setup", "static", "health.healthz", "offline.service_worker"}:
        return redirect(url_for("auth.setup"))
    return None


def timezone_field(**render_kw) -> SelectField:
    """Return the select of every time zone (its choices are set per form)."""
    return SelectField(
        _l("Time zone"), choices=[], validate_choice=False, widget=LongSelect(), render_kw=render_kw
    )


class SetupForm(NewAccountForm):
    # Preselected from the browser by static/js/app.js; the server's zone without script.
    timezone = timezone_field(**{"data-browser-zone": ""})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_names()
        if self.is_submitted():
            self.timezone.render_kw = {}  # the zone chosen stays, not the browser's
        else:
            self.timezone.data = server_timezone()


class LoginForm(DiaryForm):
    username = StringField(_l("Username"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me signed in on this device"))


class PasswordForm(NewPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])


class ProfileForm(ServiceForm):
    language = SelectField(_l("Language"), choices=[], validate_choice=False)
    timezone = timezone_field()
    email = StringField(_l("Email for reminders (optional)"))
    weight_kg = StringField(_l("Body weight (kg, optional)"), widget=NumberInput(step="0.1"))
    full_name = StringField(_l("Full name (optional)"))
    birth_date = StringField(_l("Date of birth (optional)"), widget=DateInput())
    period_tracking = BooleanField(_l("Offer “Period day” on the Today page"))
    day_rule = SelectField(_l("Count migraine days by"), choices=[], validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_names()
        self.day_rule.choices = [(code, rule.name) for code, rule in RULES.items()]
        # "" follows the browser; each language is named in its own words.
        self.language.choices = [("", _("The browser's language")), *LANGUAGES.items()]


def _sign_in(user, remember: bool) -> None:
    accounts.open_login_session(user, request.user_agent.string, remember=remember)
    login_user(user, remember=remember)
    # A new CSRF token for the signed-in session: one seen before sign-in is worth nothing.
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)


def _add_account_error(field, exc: EntryError) -> None:
    field.errors = [*field.errors, str(exc)]


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """Create the first account, which becomes the household's admin."""
    if current_app.extensions.get("diary.has_users"):
        return redirect(url_for("readings.home"))
    form = SetupForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                form.username.data, form.password.data, is_admin=True, timezone=form.timezone.data
            )
        except EntryError as exc:
            _add_account_error(form.username, exc)
        else:
            _sign_in(user, remember=True)
            current_app.extensions["diary.has_users"] = True
            flash(_("Welcome. Your diary is ready: tap a number to log your pain now."), "success")
            return redirect(url_for("readings.home"))
    return render_template("auth/setup.html", form=form), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("readings.home"))
    form = LoginForm()
    if form.validate_on_submit():
        throttle.check_sign_in(form.username.data)
        # The password's hash (scrypt) is computed without SQLite's write lock: a sign-in
        # then holds up nobody's save, and sign-ins hash side by side (as many as allowed).
        with read_phase(db.session):
            user = accounts.authenticate(form.username.data, form.password.data)
        if user is None:
            throttle.count_failed_sign_in(form.username.data)
            form.password.errors = [_("That username and password do not match.")]
        else:
            _sign_in(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or url_for("readings.home"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    accounts.close_login_session(current_user)
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    if request.method != "POST":
        return _account_page()
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            accounts.update_profile(
                current_user,
                **form.values(
                    "language",
                    "timezone",
                    "weight_kg",
                    "email",
                    "full_name",
                    "birth_date",
                    "period_tracking",
                    "day_rule",
                ),
            )
        except EntryError as exc:
            form.show(exc)
        else:
            refresh()  # the new language, for the message too
            flash(_("Settings saved."), "success")
            return redirect(url_for("auth.account"))
    return _account_page(form), 422 if form.errors else 200


def _account_page(form=None, password_form=None, new_token=None):
    api_tokens = tokens.user_tokens(current_user)
    expired = frozenset(t.id for t in api_tokens if tokens.has_expired(t))
    sign_ins = accounts.live_login_sessions(current_user)
    return render_template(
        "auth/account.html",
        # Built only when the parts of Settings that show them are not kept (diary/fragments.py).
        forms=lambda: {
            "form": form or ProfileForm(obj=current_user),
            "password_form": password_form or PasswordForm(formdata=None),
        },
        check_in=check_ins.settings_context,
        api_tokens=api_tokens,
        sign_ins=sign_ins,
        # What the two lists show of their rows, which change without a write of the diary
        # (last-use times): each list is kept under it.
        expired=expired,
        tokens_shown=(
            expired,
            *((t.id, t.name, t.created_at, t.last_used_at, t.expires_at) for t in api_tokens),
        ),
        sign_ins_shown=(
            current_user.current_login.id,
            *((s.id, s.user_agent, s.created_at, s.last_seen_at) for s in sign_ins),
        ),
        new_token=new_token,
        token_spans=TOKEN_SPANS,
        default_span=str(tokens.DEFAULT_DAYS),
    )


@bp.post("/account/low-light")
@login_required
def toggle_low_light():
    """Switch the dim attack mode on or off in one tap, and stay on the same page."""
    accounts.update_profile(current_user, low_light=not current_user.low_light)
    return redirect(_page_sent_from() or url_for("readings.home"))


def _page_sent_from() -> str | None:
    """Return the path and query of the page of this diary that sent the form, from Referer.

    Not from a field of the form: a page that put its own address next to its CSRF token
    would reflect a query string an attacker chose in a compressed answer (BREACH).
    """
    sender = urlsplit(request.referrer or "")
    if sender.netloc != request.host:
        return None
    return safe_next(sender.path + (f"?{sender.query}" if sender.query else ""))


# How long a new API token works, as Settings offers it; "never" lasts until it is revoked.
TOKEN_SPANS = {
    "30": _l("30 days"),
    "90": _l("90 days"),
    "365": _l("1 year"),
    "never": _l("Until revoked"),
}


@bp.post("/account/tokens")
@login_required
def create_token():
    span = request.form.get("days", str(tokens.DEFAULT_DAYS))
    if span not in TOKEN_SPANS:
        flash(_("Choose how long the token works."), "error")
        return redirect(url_for("auth.account"))
    days = None if span == "never" else int(span)
    try:
        secret = tokens.create_token(current_user, request.form.get("name", ""), days)[1]
    except EntryError as exc:
        flash(str(exc), "error")
        return redirect(url_for("auth.account"))
    # Shown once: only a hash is stored.
    return _account_page(new_token=secret)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    tokens.revoke(owned_or_404(ApiToken, token_id))
    flash(_("Token revoked; anything using it can no longer log."), "info")
    return redirect(url_for("auth.account"))


@bp.post("/account/sessions/<int:session_id>/end")
@login_required
def end_session(session_id: int):
    """Sign one of the user's devices out."""
    login = owned_or_404(LoginSession, session_id)
    this_device = login.id == current_user.current_login.id
    accounts.end_login_session(login)
    if this_device:
        logout_user()
        flash(_("You are signed out."), "info")
        return redirect(url_for("auth.login"))
    flash(_("That device is signed out; it has to sign in again to open your diary."), "info")
    return redirect(url_for("auth.account"))


@bp.after_app_request
def keep_sign_in_alive(response):
    """Save the sign-in's last-seen time on reading pages too (at most every 10 minutes).

    Idle sessions end after SESSION_IDLE_HOURS, so reading the diary counts as using it.
    Pages that change something commit it with their change; a reading page commits it
    on its own, and a touch that meets a busy database is tried on the next page.
    """
    user = g.get("_login_user")
    login = getattr(user, "current_login", None)
    if login is None or login.touch_due is None or response.status_code >= 400:
        return response
    with spare_write(db.session, "A sign-in's last-seen time"):
        accounts.keep_alive(login)
    return response


@bp.post("/account/password")
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        throttle.check_password_change(current_user.id)
        try:
            accounts.change_password(current_user, form.current.data, form.new.data)
        except EntryError as exc:
            if "current" in exc.errors:
                throttle.count_failed_password_change(current_user.id)
            _add_account_error(form.current if "current" in exc.errors else form.new, exc)
        else:
            flash(_("Password changed. Your other devices are signed out."), "success")
            return redirect(url_for("auth.account"))
    return _account_page(password_form=form), 422 if form.errors else 200
