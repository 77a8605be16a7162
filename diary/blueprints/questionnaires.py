"""PGIC after a treatment (home page prompt and treatment page) and MIDAS day counts."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import StringField
from wtforms.widgets import DateInput

from diary import reference
from diary.clock import local_today
from diary.forms import EntryForm, PgicForm, owned_or_404
from diary.i18n import current_locale
from diary.models import QuestionnaireAnswer, Treatment
from diary.models.questionnaire import MIDAS, PGIC
from diary.rules import EntryError
from diary.services import questionnaires as service
from diary.services.outcomes import midas_figures
from diary.urls import safe_next

bp = Blueprint("questionnaires", __name__)


class MidasForm(EntryForm):
    answered_on = StringField(_l("Day you filled in the form"), widget=DateInput())
    item_1 = StringField()
    item_2 = StringField()
    item_3 = StringField()
    item_4 = StringField()
    item_5 = StringField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The diary's own short descriptions: MIDAS's questions are copyrighted.
        for n, description in enumerate(reference.questionnaires()[MIDAS]["items"], 1):
            self[f"item_{n}"].label.text = gettext(description)

    def items(self) -> list[str]:
        return [self[f"item_{n}"].data for n in range(1, 6)]


def _back(treatment: Treatment):
    return redirect(
        safe_next(request.form.get("next"))
        or url_for("treatments.detail", treatment_id=treatment.id, _anchor="pgic")
    )


@bp.post("/treatments/<int:treatment_id>/pgic")
@login_required
def answer_pgic(treatment_id: int):
    treatment = owned_or_404(Treatment, treatment_id)
    form = PgicForm()
    try:
        form.require_valid()
        answer = service.add_pgic(
            current_user,
            treatment,
            language=current_locale().language,
            **form.values("score", "client_key"),
        )
    except EntryError as exc:
        flash(str(exc), "error")
        return _back(treatment)
    label = reference.questionnaires()[PGIC]["answers"][str(answer.score)]
    flash(
        _("Saved: “%(answer)s”. It is in your report for this treatment.", answer=gettext(label)),
        "success",
    )
    return _back(treatment)


@bp.post("/treatments/<int:treatment_id>/pgic/dismiss")
@login_required
def dismiss_pgic(treatment_id: int):
    treatment = owned_or_404(Treatment, treatment_id)
    try:
        service.dismiss_prompt(current_user, treatment, request.form.get("prompt", ""))
    except EntryError as exc:
        flash(str(exc), "error")
        return _back(treatment)
    flash(_("Not asked again. You can still answer on the treatment's page."), "info")
    return _back(treatment)


def _midas_page(form: MidasForm | None = None, status: int = 200):
    today = local_today(current_user.timezone).isoformat()
    return render_template(
        "questionnaires/midas.html",
        # Built only when the parts of the page that show them are not kept (diary/fragments.py).
        make_form=lambda: form or MidasForm.new_entry(answered_on=today),
        earlier_answers=lambda: [
            (answer, midas_figures(answer.answered_on, answer.items))
            for answer in reversed(service.answers(current_user, MIDAS))
        ],
        today=today,
        midas=reference.questionnaires()[MIDAS],
    ), status


@bp.route("/midas", methods=["GET", "POST"])
@login_required
def midas():
    """Record the five MIDAS day counts from the clinic's form; list earlier ones."""
    if request.method == "GET":
        return _midas_page()
    form = MidasForm.new_entry(answered_on=local_today(current_user.timezone).isoformat())
    try:
        form.require_valid()
        service.add_midas(
            current_user,
            items=form.items(),
            language=current_locale().language,
            **form.values("answered_on", "client_key"),
        )
    except EntryError as exc:
        form.show(exc)
        return _midas_page(form, 422)
    flash(_("MIDAS day counts saved."), "success")
    return redirect(url_for("questionnaires.midas"))


@bp.post("/questionnaires/<int:answer_id>/delete")
@login_required
def delete(answer_id: int):
    answer = owned_or_404(QuestionnaireAnswer, answer_id)
    service.delete_answer(answer)
    flash(_("Answer removed."), "info")
    return redirect(safe_next(request.form.get("next")) or url_for("questionnaires.midas"))
