"""The OpenAPI 3.1 document of /api/v1/, built from the same specs the views use."""

from functools import cache

from diary.api.resources import RESOURCES, Resource
from diary.urls import MAX_ID

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["field", "message"],
            "properties": {"field": {"type": ["string", "null"]}, "message": {"type": "string"}},
        }
    },
}


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _schema_name(resource: Resource) -> str:
    return "".join(part.capitalize() for part in resource.name.split("-"))


def _item_schema(resource: Resource) -> dict:
    properties = {"id": {"type": "integer"}} | {key: f.schema for key, f in resource.fields.items()}
    return {
        "type": "object",
        "required": list(properties),
        "properties": properties | resource.extra_schema,
        "additionalProperties": False,
    }


def _input_schema(resource: Resource, *, partial: bool) -> dict:
    schema = {
        "type": "object",
        "properties": {key: f.schema for key, f in resource.fields.items()},
        "additionalProperties": False,
    }
    required = [key for key, f in resource.fields.items() if f.required]
    if required and not partial:
        schema["required"] = required
    return schema


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _paths(resource: Resource) -> dict:
    name = _schema_name(resource)
    ref = {"$ref": f"#/components/schemas/{name}"}
    item_id = {
        "name": "id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    }
    common = {
        "401": _error("No token, or a wrong one"),
        "404": _error("Not found (or another user's)"),
    }
    invalid = {
        "400": _error("The body is JSON nested too deeply to read"),
        "422": _error("The body is not a JSON object, a field is invalid, or Idempotency-Key is"),
    }
    return {
        f"/{resource.name}": {
            "get": {
                "summary": f"List {resource.describe.lower()}, newest first",
                "parameters": [
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": 1000,
                            "default": 100,
                        },
                    },
                    {
                        "name": "offset",
                        "in": "query",
                        "schema": {
                            "type": "integer",
                            "minimum": 0,
                            "maximum": MAX_ID,
                            "default": 0,
                        },
                    },
                ],
                "responses": {
                    "200": {
                        "description": "The items",
                        **_json(
                            {
                                "type": "object",
                                "required": ["items"],
                                "properties": {"items": {"type": "array", "items": ref}},
                            }
                        ),
                    },
                    "401": common["401"],
                    "422": invalid["422"],
                },
            },
            "post": {
                "summary": f"Add one of the {resource.describe.lower()}",
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "description": (
                            "The same key and body on a retry return the first answer (the item"
                            " is stored once); the same key with another body is refused (422)."
                        ),
                        "schema": {"type": "string", "maxLength": 64},
                    }
                ],
                "requestBody": {"required": True, **_json(_input_schema(resource, partial=False))},
                "responses": {
                    "201": {"description": "Stored", **_json(ref)},
                    "200": {
                        "description": "Already stored under this Idempotency-Key",
                        **_json(ref),
                    },
                    "401": common["401"],
                    **invalid,
                },
            },
        },
        f"/{resource.name}/{{id}}": {
            "parameters": [item_id],
            "get": {
                "summary": "Read one",
                "responses": {"200": {"description": "The item", **_json(ref)}, **common},
            },
            "patch": {
                "summary": "Change some fields",
                "requestBody": {"required": True, **_json(_input_schema(resource, partial=True))},
                "responses": {"200": {"description": "Changed", **_json(ref)}, **common, **invalid},
            },
            "delete": {
                "summary": "Delete one",
                "responses": {"204": {"description": "Deleted"}, **common},
            },
        },
    }


@cache
def openapi_document() -> dict:
    paths: dict = {}
    for resource in RESOURCES.values():
        paths |= _paths(resource)
    paths["/reminders"] = {
        "get": {
            "summary": "Reminders with their status today (due and overdue first)",
            "responses": {
                "200": {
                    "description": "The reminders",
                    **_json(
                        {
                            "type": "object",
                            "required": ["items"],
                            "properties": {
                                "items": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Reminder"},
                                }
                            },
                        }
                    ),
                },
                "401": _error("No token, or a wrong one"),
            },
        }
    }
    date_or_null = {"type": ["string", "null"], "format": "date"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Headache diary API",
            "version": "1",
            "description": "Quick logging for phone shortcuts and home automation. "
            "Times are local to the user's time zone, YYYY-MM-DDTHH:MM.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": ERROR,
                "Reminder": {
                    "type": "object",
                    "required": ["id", "kind", "title", "due_on", "status"],
                    "properties": {
                        "id": {"type": "integer"},
                        "kind": {"type": "string", "enum": ["follow_up", "custom"]},
                        "title": {"type": "string"},
                        "due_on": {"type": "string", "format": "date"},
                        "status": {
                            "type": "string",
                            "enum": ["upcoming", "due", "overdue", "done"],
                        },
                        "booked_for": date_or_null,
                        "done_on": date_or_null,
                        "treatment_id": {"type": "integer"},
                        "ended_on": {"type": "string", "format": "date"},
                    },
                },
            }
            | {_schema_name(r): _item_schema(r) for r in RESOURCES.values()},
        },
    }
