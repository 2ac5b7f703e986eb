"""GET /api/v1/openapi.json: the OpenAPI 3.1 description of the JSON API.

Written as a Python dict so the enum values come from the models and cannot drift. Every
public object schema is closed (`additionalProperties: false`), so a response that grew a
private field (a resident's contact, an IP address, a representative's phone or email)
fails validation in tests/api/test_openapi.py, which checks the real responses against it.
"""

from __future__ import annotations

from typing import Any

from consult.api import bp
from consult.catalogue.models import PROCEDURE_VALUES
from consult.catalogue.models import STATUS_VALUES as DECISION_STATUS
from consult.comments.models import (
    DISPOSITION_VALUES,
    HIDE_REASON_VALUES,
    SOURCE_VALUES,
)
from consult.comments.models import STATUS_VALUES as COMMENT_STATUS
from consult.consultations.models import ACTIVITY_VALUES, ConsultationStatus
from consult.feedback.models import REPORT_STATUS_VALUES
from consult.meetings.models import (
    ATTENDANCE_VALUES,
    INVITATION_STATUS_VALUES,
    KIND_VALUES,
)
from consult.meetings.models import SOURCE_VALUES as INVITATION_SOURCES
from consult.representatives.models import CATEGORY_VALUES, REP_STATUS_VALUES

CONSULTATION_STATUS = tuple(s.value for s in ConsultationStatus)
COMPLETION_VALUES = ("in_progress", "overdue", "decided_on_time", "decided_late", "withdrawn")
# Names a public object never carries (rule 6); free-form objects forbid them as keys too.
PRIVATE_NAMES = ("contact", "email", "phone", "submitter_ip", "ip", "password", "checkin_code")
MAX_ID = 2**31 - 1

# --- schema helpers ------------------------------------------------------------------------


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def enum(values, description: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "enum": list(values)}
    if description:
        schema["description"] = description
    return schema


def null(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema, or null."""
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    schema = dict(schema)
    if "enum" in schema:
        schema["enum"] = [*schema["enum"], None]
    kind = schema.get("type")
    schema["type"] = [kind, "null"] if isinstance(kind, str) else [*kind, "null"]
    return schema


def obj(
    properties: dict[str, Any],
    optional: tuple[str, ...] = (),
    description: str | None = None,
) -> dict[str, Any]:
    """A closed object: every property listed is present unless named optional."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": [k for k in properties if k not in optional],
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def free_object(description: str, values: dict[str, Any] | None = None) -> dict[str, Any]:
    """An object whose keys vary (audit details, quotas); private names are still refused."""
    schema: dict[str, Any] = {
        "type": "object",
        "description": description,
        "propertyNames": {"not": {"enum": list(PRIVATE_NAMES)}},
    }
    if values is not None:
        schema["additionalProperties"] = values
    return schema


def page_of(item: str) -> dict[str, Any]:
    return obj(
        {
            "items": {"type": "array", "items": ref(item)},
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
        },
        description=f"A page of {item} records.",
    )


STRING = {"type": "string"}
TEXT = {"type": "string"}
INT = {"type": "integer"}
ID = {"type": "integer", "minimum": 1}
BOOL = {"type": "boolean"}
TIME = {"type": "string", "format": "date-time", "description": "ISO 8601 with UTC offset"}
DATE = {"type": "string", "format": "date"}


# --- components ------------------------------------------------------------------------------

_DECISION = {
    "id": ID,
    "code": {"type": "string", "description": "Catalogue number: year and position, 2026-03"},
    "year": INT,
    "title": STRING,
    "summary": TEXT,
    "lead_department": obj({"id": ID, "name": STRING, "short_name": STRING}),
    "planned_time": {"type": "string", "description": "2026-07 (a month) or 2026-Q3"},
    "planned_precision": enum(("month", "quarter")),
    "hearing": BOOL,
    "status": enum(DECISION_STATUS),
    "decision_date": null(DATE),
    "decision_document_url": null(STRING),
    "withdrawal_reason": null(TEXT),
    "procedures": {
        "type": "array",
        "items": obj({"kind": enum(PROCEDURE_VALUES), "required": BOOL, "done_on": null(DATE)}),
    },
    "updated_at": TIME,
    "completion": enum(COMPLETION_VALUES),
}

_DECISION_DETAIL = {
    **_DECISION,
    "adjustments": {
        "type": "array",
        "items": obj(
            {
                "id": ID,
                "kind": enum(("addition", "change", "withdrawal")),
                "made_at": TIME,
                "actor": null(STRING),
                "changes": {
                    "type": "array",
                    "items": free_object("One changed field: its old and new value."),
                },
                "reason": null(TEXT),
            }
        ),
    },
    "timeline": {
        "type": "array",
        "items": obj(
            {
                "at": TIME,
                "action": STRING,
                "details": free_object("What happened; depends on the action."),
            }
        ),
        "description": "The public history of the matter, from its listing on.",
    },
}

_CONSULTATION = {
    "id": ID,
    "title": STRING,
    "decision_id": ID,
    "decision_title": STRING,
    "lead_department": STRING,
    "status": enum(CONSULTATION_STATUS),
    "opens_at": TIME,
    "closes_at": TIME,
    "time_left": obj(
        {"days": {"type": "integer", "minimum": 0}, "hours": {"type": "integer", "minimum": 0}},
        description="Until closing, rounded down; zero once closed.",
    ),
    "contact": {
        "type": "string",
        "description": "The organising department's published contact line for questions "
        "about the draft (official and public; never a resident's contact).",
    },
    "preamble": TEXT,
    "explanation": TEXT,
    "clauses": {
        "type": "array",
        "items": obj({"number": ID, "heading": STRING, "text": TEXT, "anchor": STRING}),
    },
    "documents": {
        "type": "array",
        "items": obj(
            {
                "id": ID,
                "filename": STRING,
                "content_type": STRING,
                "size": {"type": "integer", "minimum": 0},
                "sha256": STRING,
            }
        ),
    },
    "window_changes": {
        "type": "array",
        "items": obj(
            {
                "old_closes_at": TIME,
                "new_closes_at": TIME,
                "reason": null(TEXT),
                "changed_at": TIME,
            }
        ),
    },
    "activities": {
        "type": "array",
        "items": obj(
            {
                "kind": enum(ACTIVITY_VALUES),
                "held_on": DATE,
                "place": STRING,
                "participants": {"type": "integer", "minimum": 0},
                "minutes": TEXT,
            }
        ),
    },
    "comment_count": {"type": "integer", "minimum": 0},
}

_AGENDA_ITEM = obj(
    {
        "position": ID,
        "title": STRING,
        "decision_id": null(ID),
        "decision": null(TEXT),
        "interpretation": null(TEXT),
    },
    description="Decision and interpretation are null until the outcome is published.",
)

_MEETING = {
    "id": ID,
    "kind": enum(KIND_VALUES),
    "title": STRING,
    "starts_at": TIME,
    "ends_at": TIME,
    "place": STRING,
    "seats": {"type": "integer", "minimum": 0},
    "registration_deadline": TIME,
    "organiser": null(STRING),
    "agenda": {"type": "array", "items": _AGENDA_ITEM},
    "outcome_published_at": null(TIME),
}

_IDS_BY_CATEGORY = free_object("Representative ids by category.", {"type": "array", "items": ID})

_DRAW = {
    "seed": STRING,
    "quotas": free_object("Seats drawn per category.", {"type": "integer", "minimum": 0}),
    "pool": _IDS_BY_CATEGORY,
    "excluded": {
        "type": "array",
        "items": obj(
            {
                "id": ID,
                "reason": enum(("conflict_of_interest", "already_invited")),
                "matters": {"type": "array", "items": ID},
            },
            optional=("matters",),
        ),
    },
    "result": _IDS_BY_CATEGORY,
    "drawn_at": TIME,
}

_MEETING_DETAIL = {
    **_MEETING,
    "outcome_summary": null(TEXT),
    "draws": {"type": "array", "items": obj(_DRAW)},
    "invited": {
        "type": "array",
        "items": obj(
            {
                "representative_id": ID,
                "name": STRING,
                "category": enum(CATEGORY_VALUES),
                "source": enum(INVITATION_SOURCES),
                "status": enum(INVITATION_STATUS_VALUES),
                "attendance": null(enum(ATTENDANCE_VALUES)),
            }
        ),
    },
    "remarks": {
        "type": "array",
        "items": obj({"representative": STRING, "agenda_position": null(ID), "text": TEXT}),
    },
}

_COMMENT_INPUT = {
    "author_name": {"type": "string", "maxLength": 50},
    "show_name": {"type": "boolean", "default": False},
    "contact": {
        "type": "string",
        "maxLength": 100,
        "writeOnly": True,
        "description": "Private: phone or email for the department only. Never published, "
        "never returned by the API.",
    },
    "body": {"type": "string", "minLength": 1},
    "clause": null({"type": "integer", "minimum": 1, "description": "Clause number"}),
    "consent": {"type": "boolean", "description": "Must be true for an online comment."},
}

SCHEMAS: dict[str, Any] = {
    "Error": obj(
        {
            "error": obj(
                {"code": STRING, "field": null(STRING), "message": STRING},
                description="code: a machine-readable word (rule_violation, not_found, ...); "
                "field: the input at fault, if any.",
            )
        }
    ),
    "Decision": obj(_DECISION, description="A matter of the published decision catalogue."),
    "DecisionDetail": obj(_DECISION_DETAIL),
    "DecisionPage": page_of("Decision"),
    "Consultation": obj(_CONSULTATION, optional=("comment_count",)),
    "ConsultationPage": page_of("Consultation"),
    "Comment": obj(
        {
            "receipt": STRING,
            "submitted_at": TIME,
            "source": enum(SOURCE_VALUES),
            "clause": null(ID),
            "author": null({"type": "string", "description": "Only if the author chose so"}),
            "body": TEXT,
            "duplicate_group": null(ID),
            "duplicate_count": null(ID),
        },
        description="A published comment. No contact, no IP, no account (rule 6).",
    ),
    "CommentPage": page_of("Comment"),
    "CommentReceipt": obj({"receipt": STRING, "submitted_at": TIME}),
    "Receipt": obj(
        {
            "receipt": STRING,
            "consultation_id": ID,
            "consultation_title": STRING,
            "submitted_at": TIME,
            "source": enum(SOURCE_VALUES),
            "clause": null(ID),
            "status": enum(COMMENT_STATUS),
            "hidden_reason": null(enum(HIDE_REASON_VALUES)),
            "duplicate_group": null(ID),
            "duplicate_count": null({"type": "integer", "minimum": 1}),
            "disposition": null(enum(DISPOSITION_VALUES)),
            "disposition_reason": null(TEXT),
        },
        description="What the holder of a receipt number may see. The disposition is null "
        "until the department publishes its feedback.",
    ),
    "Report": obj(
        {
            "version": ID,
            "status": enum(REPORT_STATUS_VALUES),
            "requested_at": TIME,
            "finished_at": null(TIME),
            "sha256": null(STRING),
            "pages": null({"type": "integer", "minimum": 0}),
            "correction_note": null(TEXT),
        }
    ),
    "ReportPage": page_of("Report"),
    "Meeting": obj(_MEETING),
    "MeetingDetail": obj(_MEETING_DETAIL),
    "MeetingPage": page_of("Meeting"),
    "Draw": obj({"id": ID, **_DRAW}, description="A published, reproducible random draw."),
    "CheckIn": obj({"invitation_id": ID, "representative": STRING, "checked_in_at": TIME}),
    "InvitationReply": obj(
        {
            "id": ID,
            "meeting_id": ID,
            "status": enum(INVITATION_STATUS_VALUES),
            "responded_at": TIME,
            "checkin_code": {
                "type": "string",
                "description": "The invitee's own check-in code, answered to the invitee only, "
                "after accepting.",
            },
        },
        optional=("checkin_code",),
    ),
    "Representative": obj(
        {
            "id": ID,
            "name": STRING,
            "category": enum(CATEGORY_VALUES),
            "affiliation": STRING,
            "interests": {"type": "array", "items": STRING},
            "term_start": DATE,
            "term_end": DATE,
            "status": enum(REP_STATUS_VALUES),
            "attendance": obj(
                {
                    "invited": {"type": "integer", "minimum": 0},
                    "accepted": {"type": "integer", "minimum": 0},
                    "attended": {"type": "integer", "minimum": 0},
                    "rate": null({"type": "number", "minimum": 0, "maximum": 1}),
                },
                description="Over meetings whose attendance has been recorded.",
            ),
        },
        description="A member of the public-representative pool. No phone, no email (rule 6).",
    ),
    "RepresentativePage": page_of("Representative"),
    # --- request bodies ---
    "DecisionInput": {
        "type": "object",
        "properties": {
            "year": {"type": "integer", "minimum": 2000, "maximum": 2100},
            "title": {"type": "string", "maxLength": 200},
            "summary": TEXT,
            "department_id": {**ID, "description": "Lead department"},
            "lead_department_id": {**ID, "description": "Same as department_id"},
            "planned_time": {"type": "string", "examples": ["2026-07", "2026-Q3"]},
            "hearing": BOOL,
            "procedures": free_object("Statutory procedures required: {kind: true/false}.", BOOL),
            "reason": {
                "type": "string",
                "description": "Required once the catalogue is published (an adjustment).",
            },
        },
        "required": ["year", "title", "planned_time"],
    },
    "DecisionPatch": {
        "type": "object",
        "description": "Either catalogue fields (an adjustment, with a reason once published) "
        "or a status change in a request of its own.",
        "properties": {
            "title": {"type": "string", "maxLength": 200},
            "summary": TEXT,
            "department_id": ID,
            "planned_time": STRING,
            "hearing": BOOL,
            "procedures": free_object("{kind: true/false}", BOOL),
            "reason": STRING,
            "status": enum(DECISION_STATUS),
            "decision_date": DATE,
            "decision_document_url": STRING,
        },
    },
    "ConsultationInput": {
        "type": "object",
        "properties": {
            "title": {"type": "string", "maxLength": 200},
            "draft": {"type": "string", "description": "The draft; 第一条 … lines become clauses"},
            "explanation": TEXT,
            "contact": {
                "type": "string",
                "maxLength": 200,
                "description": "The department's public contact line for questions.",
            },
            "opens_at": TIME,
            "closes_at": TIME,
        },
        "required": ["title", "draft", "contact", "opens_at", "closes_at"],
    },
    "ClosingChange": {
        "type": "object",
        "properties": {"closes_at": TIME, "reason": STRING},
        "required": ["closes_at", "reason"],
    },
    "CommentInput": {
        "type": "object",
        "properties": _COMMENT_INPUT,
        "required": ["body", "consent"],
    },
    "OfflineCommentInput": {
        "type": "object",
        "properties": {
            **{k: v for k, v in _COMMENT_INPUT.items() if k != "consent"},
            "source": enum([s for s in SOURCE_VALUES if s != "online"]),
            "activity_id": null(ID),
            "received_at": TIME,
        },
        "required": ["source", "body"],
    },
    "HideInput": {
        "type": "object",
        "properties": {"reason": enum(HIDE_REASON_VALUES), "note": STRING},
        "required": ["reason"],
    },
    "DispositionInput": {
        "type": "object",
        "properties": {
            "disposition": enum(DISPOSITION_VALUES),
            "reason": {"type": "string", "description": "Required unless adopted"},
            "duplicate_of": {
                "description": "Comment id or receipt this one duplicates (not_applicable only)",
                "type": ["integer", "string", "null"],
            },
        },
        "required": ["disposition"],
    },
    "FeedbackInput": {
        "type": "object",
        "properties": {"summary": {"type": "string", "description": "How the draft changed"}},
        "required": ["summary"],
    },
    "MeetingInput": {
        "type": "object",
        "properties": {
            "kind": enum(KIND_VALUES),
            "title": {"type": "string", "maxLength": 200},
            "place": {"type": "string", "maxLength": 200},
            "starts_at": TIME,
            "ends_at": TIME,
            "registration_deadline": TIME,
            "seats": {"type": "integer", "minimum": 0, "maximum": 500},
            "department_id": null(ID),
            "agenda": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"title": STRING, "decision_id": null(ID)},
                },
            },
        },
        "required": ["kind", "title", "place", "starts_at", "ends_at", "registration_deadline"],
    },
    "DrawInput": {
        "type": "object",
        "properties": {
            "seed": {"type": "string", "description": "Published, so anyone can re-run the draw"},
            "quotas": free_object(
                "Seats per representative category.", {"type": "integer", "minimum": 0}
            ),
        },
        "required": ["quotas"],
        "example": {"seed": "2026-03-02-standing-1", "quotas": {"npc_deputy": 2, "expert": 1}},
    },
    "CheckInInput": {
        "type": "object",
        "properties": {"code": {"type": "string"}},
        "required": ["code"],
    },
    "InvitationResponseInput": {
        "type": "object",
        "properties": {"accept": BOOL, "reason": STRING},
        "required": ["accept"],
    },
}


# --- paths -----------------------------------------------------------------------------------

ERROR_TEXT = {
    400: "The request could not be understood (bad parameter or JSON body)",
    401: "No valid bearer token",
    403: "Not allowed for this account",
    404: "Not found",
    409: "Conflict",
    422: "A rule was broken; `field` names the input",
    429: "Too many requests",
}


def _errors(*codes: int) -> dict[str, Any]:
    return {
        str(code): {
            "description": ERROR_TEXT[code],
            "content": {"application/json": {"schema": ref("Error")}},
        }
        for code in codes
    }


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _id(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
    }


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


PAGING = [
    _query("page", {"type": "integer", "minimum": 1, "default": 1}, "Page number"),
    _query(
        "per_page",
        {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
        "Items per page",
    ),
]
STAFF = [{"bearerAuth": []}]
PUBLIC: list[dict[str, Any]] = []
CACHED = (
    " Answers carry ETag and Last-Modified; a conditional request (If-None-Match or "
    "If-Modified-Since) gets 304 Not Modified when nothing changed."
)


def _op(
    operation_id: str,
    summary: str,
    tag: str,
    responses: dict[str, Any],
    *,
    parameters: list[dict[str, Any]] | None = None,
    body: str | None = None,
    security: list[dict[str, Any]] | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "tags": [tag],
        "security": PUBLIC if security is None else security,
        "responses": responses,
    }
    if description:
        op["description"] = description
    if parameters:
        op["parameters"] = parameters
    if body:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": ref(body)}},
        }
    return op


CONSULTATION_ID = _id("consultation_id", "Consultation")
MATTER_ID = _id("matter_id", "Decision matter")
COMMENT_ID = _id("comment_id", "Comment")
MEETING_ID = _id("meeting_id", "Meeting")
INVITATION_ID = _id("invitation_id", "Invitation")

PATHS: dict[str, Any] = {
    "/openapi.json": {
        "get": _op(
            "openapi",
            "This document",
            "meta",
            {"200": _json({"type": "object"}, "The OpenAPI 3.1 description of /api/v1")},
        )
    },
    "/decisions": {
        "get": _op(
            "list_decisions",
            "Search the published decision catalogue",
            "decisions",
            {"200": _json(ref("DecisionPage"), "A page of matters"), **_errors(400)},
            parameters=[
                _query("year", {"type": "integer"}, "Catalogue year"),
                _query("department", {"type": "integer"}, "Lead department id"),
                _query("status", enum(DECISION_STATUS), "Decision status"),
                _query("hearing", {"type": "boolean"}, "Whether a hearing is held"),
                _query("q", {"type": "string", "maxLength": 100}, "Words in title or summary"),
                *PAGING,
            ],
            description="Chinese has no spaces between words, so a term matches as a "
            "substring; several space-separated terms must all match." + CACHED,
        ),
        "post": _op(
            "create_decision",
            "Add a matter to a catalogue (staff)",
            "decisions",
            {
                "201": _json(ref("DecisionDetail"), "The new matter"),
                **_errors(400, 401, 403, 422),
            },
            body="DecisionInput",
            security=STAFF,
        ),
    },
    "/decisions/{matter_id}": {
        "get": _op(
            "get_decision",
            "One matter with its adjustments and public timeline",
            "decisions",
            {"200": _json(ref("DecisionDetail"), "The matter"), **_errors(401, 404)},
            parameters=[MATTER_ID],
        ),
        "patch": _op(
            "update_decision",
            "Adjust a matter or change its status (staff)",
            "decisions",
            {
                "200": _json(ref("DecisionDetail"), "The matter"),
                **_errors(400, 401, 403, 404, 422),
            },
            parameters=[MATTER_ID],
            body="DecisionPatch",
            security=STAFF,
        ),
    },
    "/decisions/{matter_id}/consultations": {
        "post": _op(
            "create_consultation",
            "Open (or schedule) a public consultation on a matter (staff)",
            "consultations",
            {
                "201": _json(ref("Consultation"), "The consultation"),
                **_errors(400, 401, 403, 404, 422),
            },
            parameters=[MATTER_ID],
            body="ConsultationInput",
            security=STAFF,
            description="The comment window lasts at least 30 days.",
        )
    },
    "/consultations": {
        "get": _op(
            "list_consultations",
            "Public consultations by status",
            "consultations",
            {"200": _json(ref("ConsultationPage"), "A page of consultations"), **_errors(400)},
            parameters=[_query("status", enum(CONSULTATION_STATUS), "Status now"), *PAGING],
            description="Without a status: all, newest opening first." + CACHED,
        )
    },
    "/consultations/{consultation_id}": {
        "get": _op(
            "get_consultation",
            "One consultation",
            "consultations",
            {"200": _json(ref("Consultation"), "The consultation"), **_errors(404)},
            parameters=[CONSULTATION_ID],
        ),
        "patch": _op(
            "patch_consultation",
            "Change the closing time, with a reason (staff)",
            "consultations",
            {
                "200": _json(ref("Consultation"), "The consultation"),
                **_errors(400, 401, 403, 404, 422),
            },
            parameters=[CONSULTATION_ID],
            body="ClosingChange",
            security=STAFF,
            description="Extending is allowed and logged; shortening below the minimum "
            "window is refused (422).",
        ),
    },
    "/consultations/{consultation_id}/comments": {
        "get": _op(
            "list_comments",
            "Published comments of a consultation",
            "comments",
            {"200": _json(ref("CommentPage"), "A page of comments"), **_errors(400, 404)},
            parameters=[
                CONSULTATION_ID,
                *PAGING,
                _query(
                    "group",
                    {"type": "integer", "minimum": 0, "maximum": MAX_ID},
                    "Only the published members of this duplicate group (its `duplicate_group`); "
                    "`total` is then the group's size",
                ),
            ],
            description="Oldest first. `total` is the stored count of published comments." + CACHED,
        ),
        "post": _op(
            "submit_comment",
            "Submit a comment while the consultation is open",
            "comments",
            {
                "201": _json(ref("CommentReceipt"), "The receipt number"),
                **_errors(400, 404, 422, 429),
            },
            parameters=[CONSULTATION_ID],
            body="CommentInput",
            description="Accepted only while opens_at <= now < closes_at, by the server's "
            "clock. Rate-limited per address.",
        ),
    },
    "/consultations/{consultation_id}/offline-comments": {
        "post": _op(
            "offline_comment",
            "Enter a comment received offline (staff)",
            "comments",
            {
                "201": _json(ref("CommentReceipt"), "The receipt number"),
                **_errors(400, 401, 403, 404, 422),
            },
            parameters=[CONSULTATION_ID],
            body="OfflineCommentInput",
            security=STAFF,
        )
    },
    "/receipts/{number}": {
        "get": _op(
            "get_receipt",
            "Follow a comment by its receipt number",
            "comments",
            {"200": _json(ref("Receipt"), "The comment's progress"), **_errors(404)},
            parameters=[
                {
                    "name": "number",
                    "in": "path",
                    "required": True,
                    "description": "Receipt number (spaces and case do not matter)",
                    "schema": {"type": "string"},
                }
            ],
        )
    },
    "/comments/{comment_id}/hide": {
        "post": _op(
            "hide_comment",
            "Withhold a comment, with a recorded reason (staff)",
            "comments",
            {"200": _json(ref("Receipt"), "The comment"), **_errors(400, 401, 403, 404, 422)},
            parameters=[COMMENT_ID],
            body="HideInput",
            security=STAFF,
            description="Nothing a resident submitted is deleted: moderation hides.",
        )
    },
    "/comments/{comment_id}/disposition": {
        "post": _op(
            "dispose",
            "Answer a comment, or correct an answer (staff)",
            "feedback",
            {"200": _json(ref("Receipt"), "The comment"), **_errors(400, 401, 403, 404, 422)},
            parameters=[COMMENT_ID],
            body="DispositionInput",
            security=STAFF,
            description="Every comment not adopted needs a reason.",
        )
    },
    "/consultations/{consultation_id}/feedback": {
        "post": _op(
            "publish",
            "Publish the feedback and request the PDF report (staff)",
            "feedback",
            {
                "201": _json(ref("Report"), "The requested report"),
                **_errors(400, 401, 403, 404, 422),
            },
            parameters=[CONSULTATION_ID],
            body="FeedbackInput",
            security=STAFF,
            description="Only when every comment has a disposition and every one not adopted "
            "a reason (422 feedback_incomplete otherwise).",
        )
    },
    "/consultations/{consultation_id}/reports": {
        "get": _op(
            "list_reports",
            "Versions of the feedback report",
            "feedback",
            {"200": _json(ref("ReportPage"), "All versions, newest first"), **_errors(404)},
            parameters=[CONSULTATION_ID],
            description="All versions on one page." + CACHED,
        )
    },
    "/consultations/{consultation_id}/report.pdf": {
        "get": _op(
            "report_pdf",
            "The latest ready feedback report",
            "feedback",
            {
                "200": {
                    "description": "The PDF",
                    "content": {
                        "application/pdf": {
                            "schema": {"type": "string", "contentMediaType": "application/pdf"}
                        }
                    },
                },
                **_errors(404),
            },
            parameters=[CONSULTATION_ID],
        )
    },
    "/meetings": {
        "get": _op(
            "list_meetings",
            "Government meetings",
            "meetings",
            {"200": _json(ref("MeetingPage"), "A page of meetings"), **_errors(400)},
            parameters=[
                _query("when", enum(("upcoming", "past")), "Upcoming or past only"),
                *PAGING,
            ],
            description="Without `when`: all, latest start first." + CACHED,
        ),
        "post": _op(
            "create_meeting",
            "Schedule a meeting (staff)",
            "meetings",
            {
                "201": _json(ref("MeetingDetail"), "The meeting"),
                **_errors(400, 401, 403, 422),
            },
            body="MeetingInput",
            security=STAFF,
        ),
    },
    "/meetings/{meeting_id}": {
        "get": _op(
            "get_meeting",
            "One meeting: agenda, draws, invitations, outcome",
            "meetings",
            {"200": _json(ref("MeetingDetail"), "The meeting"), **_errors(404)},
            parameters=[MEETING_ID],
        )
    },
    "/meetings/{meeting_id}/draw": {
        "post": _op(
            "draw",
            "Draw representatives by lot (staff)",
            "meetings",
            {"201": _json(ref("Draw"), "The draw"), **_errors(400, 401, 403, 404, 422)},
            parameters=[MEETING_ID],
            body="DrawInput",
            security=STAFF,
            description="Reproducible: the seed, the pool and the result are published.",
        )
    },
    "/meetings/{meeting_id}/check-in": {
        "post": _op(
            "check_in",
            "Record a representative's arrival by check-in code (staff)",
            "meetings",
            {"200": _json(ref("CheckIn"), "Checked in"), **_errors(400, 401, 403, 404, 422)},
            parameters=[MEETING_ID],
            body="CheckInInput",
            security=STAFF,
        )
    },
    "/invitations/{invitation_id}/response": {
        "post": _op(
            "respond",
            "Accept or decline an invitation (the invited representative)",
            "meetings",
            {
                "200": _json(ref("InvitationReply"), "The answer"),
                **_errors(400, 401, 403, 404, 422),
            },
            parameters=[INVITATION_ID],
            body="InvitationResponseInput",
            security=STAFF,
            description="Any authenticated account; only the invited representative may "
            "answer. A declined drawn seat goes to a substitute drawn the same way.",
        )
    },
    "/representatives": {
        "get": _op(
            "list_representatives",
            "The public roster of the representative pool",
            "representatives",
            {"200": _json(ref("RepresentativePage"), "A page of representatives"), **_errors(400)},
            parameters=[_query("category", enum(CATEGORY_VALUES), "Category"), *PAGING],
            description="Everyone serving today; no contact details." + CACHED,
        )
    },
}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Donghu District major decisions: Consult API",
            "version": "1",
            "description": "The decision catalogue, public consultations, comments and their "
            "answers, feedback reports, government meetings and the public-representative "
            "pool. JSON with snake_case fields and ISO 8601 times with offset. Lists are "
            '`{"items", "total", "page", "per_page"}`; errors are `{"error": {"code", "field", '
            '"message"}}`. Reading is public; staff write with `Authorization: Bearer <token>`. '
            "Public answers never carry private data (contact details, IP addresses, phone "
            "numbers, email addresses).",
            "license": {"name": "CC BY 4.0 (the data)", "identifier": "CC-BY-4.0"},
        },
        "servers": [{"url": "/api/v1"}],
        "tags": [
            {"name": name}
            for name in (
                "decisions",
                "consultations",
                "comments",
                "feedback",
                "meetings",
                "representatives",
                "meta",
            )
        ],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token issued to a staff account (Account page).",
                }
            },
        },
    }


@bp.get("/openapi.json")
def openapi():
    return document()
