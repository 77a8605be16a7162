"""The OpenAPI 3.1 document of /api/v1/, generated from the pydantic models the views use."""

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from diary.api import schemas
from diary.api.resources import COLLECTIONS, Collection
from diary.urls import MAX_ID

REF = "#/components/schemas/{model}"


def _ref(model) -> dict:
    return {"$ref": REF.format(model=model.__name__)}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict:
    """An error answer: RFC 9457 problem details, the fields at fault in "errors"."""
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": _ref(schemas.Error)}},
    }


ERRORS = {
    "400": _error("The request holds a NUL character, or JSON nested too deeply to read"),
    "401": _error("No token, or a wrong one"),
    "404": _error("Not found (or another user's)"),
    "413": _error("The body is larger than 16 MB"),
    "422": _error(
        "The body is not a JSON object, a field is unknown, missing or invalid (also what no"
        " schema states: a day that does not exist, a time in the future or one the clocks"
        " skipped, a start day more than two years ahead, a medicine not in the diary's list"
        " sent without its class, an end before its start, a second attack while one runs, a"
        " preventive's dose on a day none is due),"
        " or the Idempotency-Key is too long or was used for another item; errors names each"
        " field at fault"
    ),
    "503": _error("The diary was busy writing something else; nothing was saved. Retry-After"),
}


def _errors(*codes: str) -> dict:
    return {code: ERRORS[code] for code in codes}


def _items(model) -> dict:
    """Return the schema of a list answer: {"items": [...]}."""
    return {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": _ref(model)}},
    }


def _page_parameters() -> list[dict]:
    return [
        {
            "name": param,
            "in": "query",
            "schema": {"type": "integer", "minimum": low, "maximum": high, "default": default},
        }
        for param, (default, low, high) in schemas.PAGE.items()
    ]


def _day_mark_paths() -> dict:
    day = {
        "name": "day",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "format": "date"},
        "description": "YYYY-MM-DD, from 1900 to today.",
    }
    answer = {"description": "The day's marks", **_json(_ref(schemas.DayMarks))}
    return {
        "/day-marks": {
            "get": {
                "operationId": "listDayMarks",
                "summary": "Days marked headache-free or period days, newest first",
                "parameters": _page_parameters(),
                "responses": {
                    "200": {"description": "The marked days", **_json(_items(schemas.DayMarks))},
                    **_errors("400", "401", "422"),
                },
            }
        },
        "/day-marks/{day}": {
            "parameters": [day],
            "put": {
                "operationId": "markDay",
                "summary": "Mark a day headache-free or a period day, or take a mark back;"
                " marks not sent stay. Sending the same marks again changes nothing.",
                "requestBody": {"required": True, **_json(_ref(schemas.DayMarksBody))},
                "responses": {"200": answer, **_errors("400", "401", "413", "422", "503")},
            },
        },
    }


ITEM_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
}


def _paths(collection: Collection) -> dict:
    name = collection.schema_name
    item = _ref(collection.item)
    # After an add, the new item's id leads to reading, changing and deleting it.
    links = {
        f"{verb}{name}": {
            "operationId": f"{verb.lower()}{name}",
            "parameters": {"id": "$response.body#/id"},
        }
        for verb in ("Get", "Change", "Delete")
    }
    page = _page_parameters()
    return {
        f"/{collection.name}": {
            "get": {
                "operationId": f"list{name}s",
                "summary": f"List {collection.describe.lower()}, newest first",
                "parameters": page,
                "responses": {
                    "200": {"description": "The items", **_json(_items(collection.item))},
                    **_errors("400", "401", "422"),
                },
            },
            "post": {
                "operationId": f"add{name}",
                "summary": f"Add one of the {collection.describe.lower()}",
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "description": (
                            "The same key and body on a retry return the first answer (the item"
                            " is stored once); the same key with another body is refused (422)."
                        ),
                        "schema": schemas.IDEMPOTENCY_KEY_SCHEMA,
                    }
                ],
                "requestBody": {"required": True, **_json(_ref(collection.body))},
                "responses": {
                    "201": {"description": "Stored", **_json(item), "links": links},
                    "200": {
                        "description": "Already stored under this Idempotency-Key",
                        **_json(item),
                        "links": links,
                    },
                    **_errors("400", "401", "413", "422", "503"),
                },
            },
        },
        f"/{collection.name}/{{id}}": {
            "parameters": [ITEM_ID],
            "get": {
                "operationId": f"get{name}",
                "summary": "Read one",
                "responses": {
                    "200": {"description": "The item", **_json(item)},
                    **_errors("400", "401", "404"),
                },
            },
            "patch": {
                "operationId": f"change{name}",
                "summary": "Change some fields",
                "requestBody": {"required": True, **_json(_ref(collection.changes))},
                "responses": {
                    "200": {"description": "Changed", **_json(item)},
                    **_errors("400", "401", "404", "413", "422", "503"),
                },
            },
            "delete": {
                "operationId": f"delete{name}",
                "summary": "Delete one",
                "responses": {
                    "204": {"description": "Deleted"},
                    **_errors("400", "401", "404", "503"),
                },
            },
        },
    }


def _component_schemas() -> dict[str, Any]:
    """Generate every shape's JSON Schema: bodies as parsed, answers as sent."""
    models: list[tuple[type[BaseModel], JsonSchemaMode]]
    models = [(c.body, "validation") for c in COLLECTIONS.values()]
    models += [(c.changes, "validation") for c in COLLECTIONS.values()]
    models += [(c.item, "serialization") for c in COLLECTIONS.values()]
    models += [
        (schemas.PreventiveDoseBody, "validation"),
        (schemas.PreventiveDose, "serialization"),
    ]
    models += [(schemas.Reminder, "serialization"), (schemas.Error, "serialization")]
    models += [(schemas.DayMarksBody, "validation"), (schemas.DayMarks, "serialization")]
    _, top = models_json_schema(models, ref_template=REF)
    defs = top["$defs"]
    for schema in defs.values():
        for prop in schema.get("properties", {}).values():
            # An omitted time means now: "default": null would document a null it refuses.
            if "default" in prop and prop["default"] is None:
                del prop["default"]
    return defs


@cache
def openapi_document() -> dict:
    paths: dict = {}
    for collection in COLLECTIONS.values():
        paths |= _paths(collection)
    paths |= _day_mark_paths()
    paths["/preventives/{id}/doses"] = {
        "parameters": [ITEM_ID],
        "post": {
            "operationId": "markPreventiveDose",
            "summary": "Mark a due dose taken (given) or missed; unmarked doses count as taken",
            "requestBody": {"required": True, **_json(_ref(schemas.PreventiveDoseBody))},
            "responses": {
                "201": {"description": "Marked", **_json(_ref(schemas.PreventiveDose))},
                **_errors("400", "401", "404", "413", "422", "503"),
            },
        },
    }
    paths["/reminders"] = {
        "get": {
            "operationId": "listReminders",
            "summary": "Reminders with their status today (due and overdue first)",
            "responses": {
                "200": {"description": "The reminders", **_json(_items(schemas.Reminder))},
                **_errors("400", "401"),
            },
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Headache diary API",
            "version": "1",
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
            "description": "Quick logging for phone shortcuts and home automation. "
            "Answers give times in the user's time zone with their UTC offset,"
            " YYYY-MM-DDTHH:MM+01:00; a request may send a time the same way, in UTC (Z) or as"
            " a wall-clock time without an offset. A time sent back as it came changes nothing.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": _component_schemas(),
        },
    }
