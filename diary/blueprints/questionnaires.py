"""PGIC after a treatment (home page prompt and treatment page) and MIDAS day counts."""

import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import InputRequired, Length

from diary import reference
from diary.clock import local_today
from diary.extensions import db
from diary.forms import CalendarDateField, owned_or_404
from diary.models import QuestionnaireAnswer, Treatment
from diary.models.questionnaire import MIDAS, PGIC
from diary.services import questionnaires as service
from diary.services.outcomes import midas_figures
from diary.urls import safe_next

bp = Blueprint("questionnaires", __name__)


class PgicForm(FlaskForm):
    score = IntegerField("Your answer", validators=[InputRequired("Choose one of the answers.")])
    # One key per rendered form: a double tap stores the answer once.
    client_key = HiddenField(validators=[Length(max=64)])


class MidasForm(FlaskForm):
    answered_on = CalendarDateField("Day you filled in the form", validators=[InputRequired()])
    item_1 = IntegerField(validators=[InputRequired("Give a number of days, 0 if none.")])
    item_2 = IntegerField(validators=[InputRequired("Give a number of days, 0 if none.")])
    item_3 = IntegerField(validators=[InputRequired("Give a number of days, 0 if none.")])
    item_4 = IntegerField(validators=[InputRequired("Give a number of days, 0 if none.")])
    item_5 = IntegerField(validators=[InputRequired("Give a number of days, 0 if none.")])
    client_key = HiddenField(validators=[Length(max=64)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The diary's own short descriptions: MIDAS's questions are copyrighted.
        for n, description in enumerate(reference.questionnaires()[MIDAS]["items"], 1):
            self[f"item_{n}"].label.text = description

    def items(self) -> list[int]:
        return [self[f"item_{n}"].data for n in range(1, 6)]


def pgic_form() -> PgicForm:
    """A fresh PGIC form for a page (the home prompt or the treatment page)."""
    return PgicForm(formdata=None, client_key=uuid.uuid4().hex)


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
    if not form.validate():
        flash(" ".join(form.score.errors) or "That answer could not be saved.", "error")
        return _back(treatment)
    try:
        answer = service.add_pgic(
            current_user,
            treatment,
            local_today(current_user.timezone),
            form.score.data,
            client_key=form.client_key.data or None,
        )
    except service.QuestionnaireError as exc:
        flash(str(exc), "error")
        return _back(treatment)
    db.session.commit()
    label = reference.questionnaires()[PGIC]["answers"][str(answer.score)]
    flash(f"Saved: “{label}”. It is in your report for this treatment.", "success")
    return _back(treatment)


@bp.post("/treatments/<int:treatment_id>/pgic/dismiss")
@login_required
def dismiss_pgic(treatment_id: int):
    treatment = owned_or_404(Treatment, treatment_id)
    try:
        service.dismiss_prompt(current_user, treatment, request.form.get("prompt", ""))
    except service.QuestionnaireError as exc:
        flash(str(exc), "error")
        return _back(treatment)
    db.session.commit()
    flash("Not asked again. You can still answer on the treatment's page.", "info")
    return _back(treatment)


def _midas_page(form: MidasForm, status: int = 200):
    history = [
        (answer, midas_figures(answer.answered_on, answer.items))
        for answer in reversed(service.answers(current_user, MIDAS))
    ]
    return render_template(
        "questionnaires/midas.html",
        form=form,
        history=history,
        midas=reference.questionnaires()[MIDAS],
    ), status


@bp.route("/midas", methods=["GET", "POST"])
@login_required
def midas():
    """Record the five MIDAS day counts from the clinic's form; list earlier ones."""
    today = local_today(current_user.timezone)
    if request.method == "GET":
        return _midas_page(MidasForm(formdata=None, answered_on=today, client_key=uuid.uuid4().hex))
    form = MidasForm()
    if not form.validate():
        return _midas_page(form, 422)
    try:
        service.add_midas(
            current_user, form.answered_on.data, form.items(), client_key=form.client_key.data
        )
    except service.QuestionnaireError as exc:
        target = form._fields.get(exc.field, form.item_1)
        target.errors = [*target.errors, str(exc)]
        return _midas_page(form, 422)
    db.session.commit()
    flash("MIDAS day counts saved.", "success")
    return redirect(url_for("questionnaires.midas"))


@bp.post("/questionnaires/<int:answer_id>/delete")
@login_required
def delete(answer_id: int):
    answer = owned_or_404(QuestionnaireAnswer, answer_id)
    service.delete_answer(answer)
    db.session.commit()
    flash("Answer removed.", "info")
    return redirect(safe_next(request.form.get("next")) or url_for("questionnaires.midas"))
