"""/api/v1/: readings, side effects, medications and attacks (list, add, read, change,
delete), day marks, reminders."""

import re
from datetime import date
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, g, jsonify, request
from pydantic import ValidationError

from diary.api import schemas
from diary.api.openapi import openapi_document
from diary.api.resources import COLLECTIONS, Collection
from diary.api.schemas import Body
from diary.clock import local_today
from diary.errors import json_error
from diary.extensions import csrf, db
from diary.models import DayMark
from diary.rules import EntryError, json_values
from diary.services import day_marks, preventives, reminders
from diary.services.idempotency import replayed
from diary.services.scoping import owned
from diary.services.tokens import TokenExpired, user_for_token

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Token-authenticated and cookie-free, so a forged cross-site form cannot use it.
csrf.exempt(bp)


@bp.before_request
def typed_values() -> None:
    """Have the services take this request's values as JSON types: "3" is not a number."""
    g.json_values = json_values.set(True)


@bp.teardown_request
def untyped_values(_exc) -> None:
    if (token := g.pop("json_values", None)) is not None:
        json_values.reset(token)


# Service field names that the API spells otherwise.
API_NAMES = {"med_class": "class", "client_key": "Idempotency-Key"}


@bp.errorhandler(EntryError)
def refused(exc: EntryError):
    errors = {API_NAMES.get(name, name): message for name, message in exc.errors.items()}
    return json_error(422, exc.message, API_NAMES.get(exc.field, exc.field), errors)


def token_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
        try:
            user = user_for_token(secret.strip()) if scheme.lower() == "bearer" and secret else None
        except TokenExpired as expired:
            day = expired.expired_at.date().isoformat()
            message = f"This API token expired on {day} (UTC): make a new one in Settings."
            return json_error(401, message)
        if user is None:
            return json_error(401, "A valid API token is required: Authorization: Bearer <token>.")
        g.api_user = user
        return view(*args, **kwargs)

    return wrapped


def _body(shape: type[Body]) -> dict[str, Any]:
    """Return the JSON body's fields as the service takes them; refuse a body of another shape."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise EntryError({"body": "The body must be a JSON object."})
    try:
        parsed = shape.model_validate(body)
    except ValidationError as exc:
        raise EntryError(dict(_refusal(error) for error in exc.errors())) from None
    values = parsed.model_dump(exclude_unset=True)
    for name, value in values.items():
        if value is None and name not in shape.nullable:
            raise EntryError({API_NAMES.get(name, name): f"{name} cannot be null."})
    return values


def _refusal(error) -> tuple[str, str]:
    """Return the field and the message of one way a body differs from its schema."""
    name = str(error["loc"][0]) if error["loc"] else "body"
    if error["type"] == "extra_forbidden":
        return name, f"'{name}' is not a field here."
    if error["type"] == "missing":
        return name, f"{name} is required."
    # A time with seconds: the CSV import's words.
    return name, error["msg"]


def _idempotency_key() -> str | None:
    """Return the request's Idempotency-Key (checked with every other key, by the service)."""
    return request.headers.get("Idempotency-Key", "").strip() or None


def _row_or_404(collection: Collection, object_id: int):
    row = owned(collection.model, g.api_user, object_id)
    if row is None:
        abort(404, f"There is no {collection.name} item {object_id}.")
    return row


def _answer(collection: Collection, row) -> dict[str, Any]:
    """Return a row as the answer shows it, its time in the user's zone with its offset."""
    return collection.to_json(row, ZoneInfo(g.api_user.timezone))


def _page() -> schemas.Page:
    """Return the list's limit and offset: one whole number each, in their documented range."""
    values = {}
    for name, (_, low, high) in schemas.PAGE.items():
        given = request.args.getlist(name)
        # isdigit() alone says yes to "²", which int() then refuses: ASCII digits only.
        if given and (
            len(given) > 1
            or not re.fullmatch(r"[0-9]{1,12}", given[0])
            or not low <= int(given[0]) <= high
        ):
            raise EntryError({name: f"{name} must be one whole number from {low} to {high}."})
        if given:
            values[name] = int(given[0])
    return schemas.Page(**values)


COLLECTION = (
    '/<any("readings", "side-effects", "medications", "preventives", "attacks"):collection>'
)


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get(COLLECTION)
@token_required
def list_items(collection: str):
    kind = COLLECTIONS[collection]
    page = _page()
    model = kind.model
    rows = db.session.scalars(
        db.select(model)
        .where(model.user_id == g.api_user.id)
        .order_by(kind.time_column.desc(), model.id.desc())
        .limit(page.limit)
        .offset(page.offset)
    )
    return {"items": [_answer(kind, row) for row in rows]}


@bp.post(COLLECTION)
@token_required
def create(collection: str):
    kind = COLLECTIONS[collection]
    values = _body(kind.body)
    key = _idempotency_key()
    # The service returns the first item for a repeated key (and refuses another body).
    model = kind.model
    replay = replayed(model, model.user_id == g.api_user.id, key, {}) is not None
    row = kind.add(g.api_user, client_key=key, **values)
    return _answer(kind, row), 200 if replay else 201


@bp.get(COLLECTION + "/<int:object_id>")
@token_required
def read(collection: str, object_id: int):
    kind = COLLECTIONS[collection]
    return _answer(kind, _row_or_404(kind, object_id))


@bp.patch(COLLECTION + "/<int:object_id>")
@token_required
def update(collection: str, object_id: int):
    kind = COLLECTIONS[collection]
    row = _row_or_404(kind, object_id)
    kind.update(g.api_user, row, **_body(kind.changes))
    return _answer(kind, row)


@bp.delete(COLLECTION + "/<int:object_id>")
@token_required
def delete(collection: str, object_id: int):
    kind = COLLECTIONS[collection]
    kind.delete(_row_or_404(kind, object_id))
    response = Response(status=204)
    # No body, so no Content-Type either (Flask would say text/html).
    del response.headers["Content-Type"]
    return response


def _marks(day: date, row: DayMark | None) -> dict[str, Any]:
    """Return a day's marks as the API answers them; a day without a row has none."""
    marks = {"day": day.isoformat(), "headache_free": False, "period": False}
    if row is not None:
        marks |= {"headache_free": row.headache_free, "period": row.period}
    return schemas.DayMarks.model_validate(marks).model_dump()


@bp.get("/day-marks")
@token_required
def list_day_marks():
    page = _page()
    rows = db.session.scalars(
        db.select(DayMark)
        .where(DayMark.user_id == g.api_user.id)
        .order_by(DayMark.day.desc())
        .limit(page.limit)
        .offset(page.offset)
    )
    return {"items": [_marks(row.day, row) for row in rows]}


@bp.put("/day-marks/<day>")
@token_required
def mark_day(day: str):
    """Mark a day headache-free or a period day (or take a mark back); marks not sent stay."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", day):
        raise EntryError({"day": "The day must be YYYY-MM-DD."})
    row = day_marks.mark_day(g.api_user, day, **_body(schemas.DayMarksBody))
    # No row is left when every mark was taken back: the service took the day as real.
    return _marks(row.day if row is not None else date.fromisoformat(day), row)


@bp.post("/preventives/<int:object_id>/doses")
@token_required
def mark_preventive_dose(object_id: int):
    """Mark a due dose of a preventive taken or missed (unmarked doses count as taken)."""
    regimen = _row_or_404(COLLECTIONS["preventives"], object_id)
    dose = preventives.mark_dose(g.api_user, regimen, **_body(schemas.PreventiveDoseBody))
    return schemas.PreventiveDose.model_validate(dose, from_attributes=True).model_dump(
        mode="json"
    ), 201


@bp.get("/reminders")
@token_required
def list_reminders():
    today = local_today(g.api_user.timezone)
    items = reminders.by_status(reminders.active_reminders(g.api_user), today)
    shaped = (schemas.Reminder.model_validate(reminders.as_json(r, today)) for r in items)
    return {"items": [item.model_dump(mode="json", exclude_unset=True) for item in shaped]}
