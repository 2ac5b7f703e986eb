"""Each API operation declared once, next to its handler: what it takes and gives, validated
here and described from the same declaration in GET /api/v1/openapi.json.

    @bp.post("/consultations/<int:consultation_id>/comments")
    @operation("comments", {201: CommentReceipt}, errors=(429,))
    def submit_comment(consultation_id: int, body: CommentInput):
        '''Submit a comment

        Accepted only while the consultation is open.'''

The handler's docstring gives the summary (its first paragraph) and the description (the
rest); the annotations of its `body` and `query` parameters name their models, so nothing is
stated twice. Path parameters are described by name (PATH_PARAMETERS), the same everywhere.

The error answers an operation can give are stated from what it declares: 404 with a path
parameter, 400/422 with a body, 400 with a query, 401/403 behind a login; `errors` adds the
others (429, and 401 where an optional token is read).

`body` and `query` models are validated before the handler runs (strictly from JSON for
bodies) and given to it as `body=` / `query=`; a refusal is the usual error envelope, 400 for
a request that is not JSON or a bad query parameter, 422 for a field the rules refuse.

The document is built from Flask's URL map (so every route is in it, with its methods and
path parameters) and from pydantic's JSON Schemas of the models (so every limit the schemas
take from the rules is stated). pydantic writes the schemas; assembling paths from the URL
map is the rest. Not spectree or flask-openapi3: both answer validation errors in their own
shape (ours is DESIGN.md's envelope, translated), flask-openapi3 needs its own blueprint
class and handler signatures, and both pass the validated body in a request context object
rather than as an argument the handler declares.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from typing import get_type_hints

from flask import current_app
from flask import request
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from werkzeug.routing import Rule
from werkzeug.routing.converters import NumberConverter

from consult.core import schemas
from consult.core import values
from consult.core.errors import RuleViolation
from consult.core.errors import RuleViolations

REF = "#/components/schemas/{model}"
ERROR_TEXT = {
    400: "The request could not be understood (not JSON, or a bad query parameter)",
    401: "No valid bearer token",
    403: "Not allowed for this account",
    404: "Not found",
    405: "Method not allowed (the Allow header lists the methods)",
    409: "Conflict",
    422: "A rule was broken; `field` names the input",
    429: "Too many requests",
}
CACHED = (
    " Answers carry ETag and Last-Modified; a conditional request (If-None-Match or "
    "If-Modified-Since) gets 304 Not Modified when nothing changed."
)


# A path parameter means the same wherever it appears, so it is described once, by name.
PATH_PARAMETERS = {
    "consultation_id": "Consultation",
    "comment_id": "Comment",
    "matter_id": "Decision matter",
    "question_id": "Question (its `id`)",
    "meeting_id": "Meeting",
    "invitation_id": "Invitation",
    "number": "Receipt number (spaces and case do not matter)",
}


@dataclass(frozen=True)
class Operation:
    summary: str
    tag: str
    responses: dict[int, Any]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    description: str | None = None
    cached: bool = False


def operation(
    tag: str,
    responses: dict[int, Any],
    *,
    errors: tuple[int, ...] = (),
    description: str | None = None,
    cached: bool = False,
) -> Callable:
    """Declare the handler below as an operation. Its docstring's first paragraph is the
    summary, the rest the description (unless `description` is given); its `body` and
    `query` parameters' annotations name the models they are parsed with."""

    def decorate(view: Callable) -> Callable:
        summary, _, rest = inspect.cleandoc(view.__doc__ or "").partition("\n\n")
        if not summary:
            raise RuntimeError(f"{view.__name__} has no docstring to give its summary")
        if description is not None and rest:
            raise RuntimeError(f"{view.__name__}: a description both given and in the docstring")
        hints = get_type_hints(view)
        body, query = hints.get("body"), hints.get("query")
        op = Operation(
            " ".join(summary.split()),
            tag,
            responses,
            body,
            query,
            errors,
            description if description is not None else " ".join(rest.split()) or None,
            cached,
        )

        @wraps(view)
        def handler(*args, **kwargs):
            if query is not None:
                kwargs["query"] = parse_query(query)
            if body is not None:
                kwargs["body"] = parse_body(body)
            return view(*args, **kwargs)

        handler.api_operation = op  # type: ignore[attr-defined]
        return handler

    return decorate


def parse_body(model: type[BaseModel]) -> Any:
    raw = request.get_data(cache=True)
    if not request.is_json or not raw.strip():
        raise RuleViolation(None, schemas._message({"type": "json_invalid"}, None), "bad_request")
    return schemas.check(model, raw, json=True)


def parse_query(model: type[BaseModel]) -> Any:
    try:
        return schemas.check(model, request.args.to_dict())
    except RuleViolations as exc:
        # A bad query parameter is a bad request, not a broken rule about stored data.
        for violation in exc.violations:
            violation.code = "bad_request"
        exc.code = "bad_request"
        raise


# --- the document -----------------------------------------------------------------------------


def _path_of(rule: Rule, prefix: str) -> tuple[str, list[dict[str, Any]]]:
    params = []
    for name, converter in rule._converters.items():
        if isinstance(converter, NumberConverter):
            schema: dict[str, Any] = {
                "type": "integer",
                "minimum": 0,
                "maximum": getattr(converter, "max", None) or values.INT_MAX,
            }
        else:
            schema = {"type": "string"}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return _PLACEHOLDER.sub(r"{\1}", rule.rule[len(prefix) :]), params


_PLACEHOLDER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def _query_parameters(model: type[BaseModel], defs: dict[str, Any]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF)
    defs.update(schema.pop("$defs", {}))
    required = set(schema.get("required", ()))
    out = []
    for name, prop in schema["properties"].items():
        # A query parameter is left out rather than null.
        options = [p for p in prop.pop("anyOf", ()) if p != {"type": "null"}]
        if options:
            prop.update(options[0])
        if prop.get("default", 0) is None:
            del prop["default"]
        description = prop.pop("description", None)
        prop.pop("title", None)
        param = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            param["description"] = description
        out.append(param)
    return out


def _content(model: Any) -> dict[str, Any]:
    if isinstance(model, dict):  # a plain JSON Schema (this document's own)
        return {"application/json": {"schema": model}}
    if isinstance(model, str):  # a media type (the PDF)
        return {model: {"schema": {"type": "string", "contentMediaType": model}}}
    return {"application/json": {"schema": {"$ref": REF.format(model=model.__name__)}}}


def operations() -> list[tuple[Rule, str, Callable, Operation]]:
    prefix = "/api/v1"
    found = []
    for rule in current_app.url_map.iter_rules():
        if not rule.rule.startswith(prefix + "/"):
            continue
        view = current_app.view_functions[rule.endpoint]
        op = getattr(view, "api_operation", None)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule, method.lower(), view, op))
    return found


def document(info: dict[str, Any], tags: list[str]) -> dict[str, Any]:
    prefix = "/api/v1"
    models: dict[str, type[BaseModel]] = {"Error": Error}
    paths: dict[str, dict[str, Any]] = {}
    defs: dict[str, Any] = {}
    for rule, method, view, op in operations():
        if op is None:
            raise RuntimeError(f"{rule.rule} has no @operation: it would be undocumented")
        path, params = _path_of(rule, prefix)
        for param in params:
            param["description"] = PATH_PARAMETERS[param["name"]]
        access = getattr(view, "api_access", None)
        entry: dict[str, Any] = {
            "operationId": view.__name__,
            "summary": op.summary + (" (staff)" if access == "staff" else ""),
            "tags": [op.tag],
            "security": [{"bearerAuth": []}] if access else [],
            "responses": {},
        }
        description = (op.description or "") + (CACHED if op.cached else "")
        if description:
            entry["description"] = description.strip()
        if op.query is not None:
            params = params + _query_parameters(op.query, defs)
        if params:
            entry["parameters"] = params
        if op.body is not None:
            models[op.body.__name__] = op.body
            entry["requestBody"] = {"required": True, "content": _content(op.body)}
        for status, model in op.responses.items():
            described = isinstance(model, type) and issubclass(model, BaseModel)
            if described:
                models[model.__name__] = model
            text = (model.__doc__ or "").strip().splitlines() if described else []
            entry["responses"][str(status)] = {
                "description": text[0] if text else "OK",
                "content": _content(model),
            }
        codes = set(op.errors) | {405}
        if any(param["in"] == "path" for param in params):
            codes |= {404}  # what a path names may not exist
        if op.body is not None:
            codes |= {400, 422}
        if op.query is not None:
            codes |= {400}
        if access:
            codes |= {401, 403}
        for code in sorted(codes):
            entry["responses"][str(code)] = {
                "description": ERROR_TEXT[code],
                "content": _content(Error),
            }
        paths.setdefault(path, {})[method] = entry
    components = _components(models)
    components.update(defs)
    return {
        "openapi": "3.1.0",
        "info": info,
        "servers": [{"url": prefix}],
        "tags": [{"name": name} for name in tags],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token issued to a staff account (Account page).",
                }
            },
        },
    }


def _components(models: dict[str, type[BaseModel]]) -> dict[str, Any]:
    inputs = [(m, "validation") for m in models.values() if not issubclass(m, schemas.Schema)]
    outputs = [(m, "serialization") for m in models.values() if issubclass(m, schemas.Schema)]
    _, top = models_json_schema([*inputs, *outputs], ref_template=REF)
    return _tidy(top.get("$defs", {}))


def _tidy(node: Any) -> Any:
    """pydantic's titles repeat the field names; the document is easier to read without."""
    if isinstance(node, dict):
        return {k: _tidy(v) for k, v in node.items() if k != "title" or not isinstance(v, str)}
    if isinstance(node, list):
        return [_tidy(v) for v in node]
    return node


class ErrorDetail(schemas.Schema):
    """code: a machine-readable word (rule_violation, not_found, ...); field: the input at
    fault, if any."""

    code: str
    field: str | None
    message: str


class Error(schemas.Schema):
    """An error."""

    error: ErrorDetail
