"""Validates VectorAdmin operation events (CloudEvents 1.0, structured JSON) in Python.

The rules come from src/events/schema/operation-event.schema.json, the one definition of the
event: this is a small validator for the JSON Schema keywords that file uses. A keyword it
does not know is reported as a problem, so a schema change cannot be skipped silently.
"""

import json
import re
from datetime import datetime
from typing import Any

# CloudEvents 1.0 required context attributes (spec section 3.1).
CE_REQUIRED = ("id", "source", "specversion", "type")
EVENT_PREFIX = "io.vectoradmin.v1."
NONE_TOKEN = "_"
ANNOTATIONS = {"$schema", "$id", "title", "description"}


def load_schema(path: str) -> dict[str, Any]:
    """Reads the event's JSON Schema."""
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def check_event(event: Any, subject: str, schema: dict[str, Any]) -> list[str]:
    """Every problem with one event received on `subject`; empty when it is valid."""
    problems = _check(event, schema, schema, "")
    if not isinstance(event, dict):
        return problems
    for name in CE_REQUIRED:
        if not isinstance(event.get(name), str) or event.get(name) == "":
            problems.append(f"{name}: CloudEvents requires a non-empty string")
    data = event.get("data")
    if not isinstance(data, dict):
        return problems
    if event.get("type") != EVENT_PREFIX + str(data.get("operation")):
        problems.append("type: does not match data.operation")
    if event.get("subject") != subject:
        problems.append("subject: differs from the NATS subject it arrived on")
    tokens = subject.split(".")
    expected = [
        "vectoradmin",
        "v1",
        data.get("tenant_id") or NONE_TOKEN,
        data.get("table") or NONE_TOKEN,
        data.get("operation"),
    ]
    if tokens != expected:
        problems.append("subject: does not match data tenant_id, table and operation")
    if (data.get("outcome") == "ok") != (data.get("grpc_code") == "OK"):
        problems.append("data.outcome: ok exactly when grpc_code is OK")
    return problems


def _check(value: Any, schema: dict[str, Any], root: dict[str, Any], at: str) -> list[str]:
    where = at or "(event)"
    if "$ref" in schema:
        return _check(value, _resolve(schema["$ref"], root), root, at)
    problems: list[str] = []
    for keyword, rule in schema.items():
        if keyword in ANNOTATIONS or keyword in ("properties", "additionalProperties", "$defs"):
            continue
        problem = _keyword(keyword, rule, value)
        if problem is not None:
            problems.append(f"{where}: {problem}")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for key, child in value.items():
            path = f"{at}.{key}" if at else key
            if key in properties:
                problems.extend(_check(child, properties[key], root, path))
            elif schema.get("additionalProperties") is False:
                problems.append(f"{path}: not allowed")
    return problems


def _keyword(keyword: str, rule: Any, value: Any) -> str | None:
    """The problem `value` has with one validation keyword, or None."""
    text = isinstance(value, str)
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if keyword == "type":
        ok = {
            "object": isinstance(value, dict),
            "string": text,
            "integer": number and float(value).is_integer(),
            "number": number,
        }.get(rule)
        if ok is None:
            return f"unsupported type {rule}"
        return None if ok else f"must be {rule}"
    if keyword == "const":
        return None if value == rule else f"must be {rule!r}"
    if keyword == "enum":
        return None if value in rule else "not one of the allowed values"
    if keyword == "required":
        missing = [k for k in rule if not isinstance(value, dict) or k not in value]
        return f"missing {', '.join(missing)}" if missing else None
    if keyword == "pattern":
        return None if not text or re.search(rule, value) else f"does not match {rule}"
    if keyword == "minLength":
        return None if not text or len(value) >= rule else f"shorter than {rule}"
    if keyword == "maxLength":
        return None if not text or len(value) <= rule else f"longer than {rule}"
    if keyword == "minimum":
        return None if not number or value >= rule else f"below {rule}"
    if keyword == "format":
        if rule != "date-time":
            return f"unsupported format {rule}"
        return None if not text or _is_date_time(value) else "not an RFC 3339 date-time"
    return f"unsupported schema keyword {keyword}"


def _resolve(ref: str, root: dict[str, Any]) -> dict[str, Any]:
    if not ref.startswith("#/"):
        raise ValueError(f"only local $ref is supported, got {ref}")
    node: Any = root
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _is_date_time(value: str) -> bool:
    # RFC 3339 needs a date, a time and an offset; fromisoformat alone accepts less.
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
