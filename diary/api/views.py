"""/api/v1/: readings, side effects and medications (list, add, read, change, delete), reminders."""

from functools import wraps

from flask import Blueprint, Response, abort, g, jsonify, request

from diary.api.openapi import openapi_document
from diary.api.resources import RESOURCES, FieldError, Resource
from diary.clock import local_today
from diary.errors import json_error
from diary.extensions import csrf, db
from diary.services import reminders
from diary.services.scoping import find_by_client_key, owned
from diary.services.tokens import user_for_token
from diary.urls import MAX_ID

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Token-authenticated and cookie-free, so a forged cross-site form cannot use it.
csrf.exempt(bp)

MAX_LIMIT = 1000
IDEMPOTENCY_KEY_MAX = 64


@bp.errorhandler(FieldError)
def field_error(exc: FieldError):
    db.session.rollback()
    return json_error(422, str(exc), exc.field)


def token_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
        user = user_for_token(secret.strip()) if scheme.lower() == "bearer" and secret else None
        if user is None:
            return json_error(401, "A valid API token is required: Authorization: Bearer <token>.")
        g.api_user = user
        return view(*args, **kwargs)

    return wrapped


def _resource(collection: str) -> Resource:
    return RESOURCES[collection]


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise FieldError(None, "The body must be a JSON object.")
    return body


def _idempotency_key() -> str | None:
    """Return the request's Idempotency-Key: at most 64 characters, never cut short."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > IDEMPOTENCY_KEY_MAX:
        raise FieldError(
            "Idempotency-Key", f"Idempotency-Key can be up to {IDEMPOTENCY_KEY_MAX} characters."
        )
    return key or None


def _row_or_404(resource: Resource, object_id: int):
    row = owned(resource.model, g.api_user, object_id)
    if row is None:
        abort(404, f"There is no {resource.name} item {object_id}.")
    return row


def _query_int(name: str, default: int, low: int, high: int) -> int:
    """Return a whole-number query parameter, refusing anything else with 422."""
    values = request.args.getlist(name)
    if not values:
        return default
    text = values[-1]
    # isdigit() alone says yes to "²", which int() then refuses: ASCII digits only.
    if len(values) > 1 or not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise FieldError(name, f"{name} must be one whole number from {low} to {high}.")
    return int(text)


COLLECTION = '/<any("readings", "side-effects", "medications"):collection>'


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get(COLLECTION)
@token_required
def list_items(collection: str):
    resource = _resource(collection)
    limit = _query_int("limit", 100, 1, MAX_LIMIT)
    offset = _query_int("offset", 0, 0, MAX_ID)
    model = resource.model
    time_column = getattr(model, next(iter(resource.fields.values())).attribute)
    rows = db.session.scalars(
        db.select(model)
        .where(model.user_id == g.api_user.id)
        .order_by(time_column.desc(), model.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return {"items": [resource.to_json(row) for row in rows]}


@bp.post(COLLECTION)
@token_required
def create(collection: str):
    resource = _resource(collection)
    values = resource.parse(_json_body(), g.api_user, partial=False)
    resource.check(values)
    key = _idempotency_key()
    replay = find_by_client_key(resource.model, g.api_user, key)
    if replay is not None:
        given = {
            resource.fields[name].attribute for name in _json_body() if name in resource.fields
        }
        if any(getattr(replay, attribute) != values[attribute] for attribute in given):
            raise FieldError(
                "Idempotency-Key", "This Idempotency-Key was already used for a different item."
            )
        return resource.to_json(replay), 200
    try:
        row = resource.create(g.api_user, values, key)
    except ValueError as exc:
        raise FieldError(None, str(exc)) from None
    db.session.commit()
    return resource.to_json(row), 201


@bp.get(COLLECTION + "/<int:object_id>")
@token_required
def read(collection: str, object_id: int):
    resource = _resource(collection)
    return resource.to_json(_row_or_404(resource, object_id))


@bp.patch(COLLECTION + "/<int:object_id>")
@token_required
def update(collection: str, object_id: int):
    resource = _resource(collection)
    row = _row_or_404(resource, object_id)
    values = resource.parse(_json_body(), g.api_user, partial=True)
    current = {spec.attribute: getattr(row, spec.attribute) for spec in resource.fields.values()}
    resource.check(current | values)
    for attribute, value in values.items():
        setattr(row, attribute, value)
    db.session.commit()
    return resource.to_json(row)


@bp.delete(COLLECTION + "/<int:object_id>")
@token_required
def delete(collection: str, object_id: int):
    resource = _resource(collection)
    db.session.delete(_row_or_404(resource, object_id))
    db.session.commit()
    response = Response(status=204)
    # No body, so no Content-Type either (Flask would say text/html).
    del response.headers["Content-Type"]
    return response


@bp.get("/reminders")
@token_required
def list_reminders():
    today = local_today(g.api_user.timezone)
    items = reminders.by_status(reminders.active_reminders(g.api_user), today)
    return {"items": [reminders.as_json(r, today) for r in items]}
