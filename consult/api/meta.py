"""GET /api/v1/openapi.json: the OpenAPI 3.1 description of the JSON API, generated from the
operations' declarations (api.spec) and the domains' schemas."""

from __future__ import annotations

from consult.api import bp
from consult.api import operations
from consult.api.spec import document

operation = operations("meta")

INFO = {
    "title": "Donghu District major decisions: Consult API",
    "version": "1",
    "description": "The decision catalogue, public consultations, comments and their answers, "
    "feedback reports, government meetings and the public-representative pool. JSON with "
    "snake_case fields and ISO 8601 times with offset. Lists are "
    '`{"items", "total", "page", "per_page"}`; errors are `{"error": {"code", "field", '
    '"message"}}`, the message in the language asked for (Accept-Language). Reading is public; '
    "staff write with `Authorization: Bearer <token>`. Public answers never carry private data "
    "(contact details, IP addresses, phone numbers, email addresses).",
    "license": {"name": "CC BY 4.0 (the data)", "identifier": "CC-BY-4.0"},
}
TAGS = [
    "decisions",
    "consultations",
    "comments",
    "feedback",
    "questions",
    "meetings",
    "representatives",
    "meta",
]


@bp.get("/openapi.json")
@operation({200: {"type": "object", "description": "The OpenAPI 3.1 description of /api/v1"}})
def openapi():
    """This document"""
    return document(INFO, TAGS)
