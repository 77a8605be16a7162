"""The phone's More page: every place that is not in the tab bar."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from diary.navigation import others_for

bp = Blueprint("more", __name__)


@bp.get("/more")
@login_required
def index():
    return render_template("more.html", places=others_for(current_user.is_admin))
