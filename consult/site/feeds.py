"""Atom 1.0 feeds: consultations that opened, feedback that was published, meetings that were
scheduled and their outcomes. Public fields only (rule 6): no contact, no IP, no phone.

Written with the standard library's ElementTree: Atom is a small format, and ElementTree
escapes text and attributes, so no dependency (feedgen pulls in lxml) is needed for it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime

import sqlalchemy as sa
from flask import Blueprint
from flask import Response
from flask import current_app
from flask_babel import gettext as _

from consult.consultations.models import Consultation
from consult.core import i18n
from consult.core.time import now_utc
from consult.core.urls import public_host
from consult.core.urls import public_url
from consult.extensions import db
from consult.feedback.models import FeedbackReport
from consult.feedback.models import ReportStatus
from consult.meetings.models import Meeting
from consult.site import freshness

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MIME = "application/atom+xml"
LIMIT = 50
SUMMARY_CHARS = 400
# The date in the tag: URIs (RFC 4151). Fixed for good: entry ids must never change.
TAG_DATE = "2026"
# Characters XML 1.0 does not allow (ElementTree would write them and break the feed).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class Entry:
    key: str
    title: str
    published: datetime
    link: str
    summary: str
    # When the entry last changed; left out, it has not changed since it was published.
    updated: datetime | None = None
    author: str | None = None
    categories: list[str] = field(default_factory=list)
    related: list[tuple[str, str, str]] = field(default_factory=list)  # (href, type, title)

    def __post_init__(self) -> None:
        if self.updated is None:
            self.updated = self.published


def _clean(text: str | None) -> str:
    return _NOT_XML.sub("", text or "")


def _excerpt(text: str | None, limit: int = SUMMARY_CHARS) -> str:
    text = " ".join(_clean(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _time(value: datetime) -> str:
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _authority() -> str:
    # The host of PUBLIC_URL (not the request's), so ids stay the same whatever Host is sent.
    return (current_app.config.get("FEED_TAG_AUTHORITY") or public_host()).lower()


def tag(specific: str) -> str:
    return f"tag:{_authority()},{TAG_DATE}:{specific}"


def _local(value: datetime) -> str:
    from consult.site.helpers import local_datetime

    return local_datetime(value, "short")


def _sub(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, name, {k: _clean(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _clean(text)
    return element


def render(
    name: str, title: str, subtitle: str, alternate: str, entries: list[Entry], fallback
) -> Response:
    """The feed document; its <updated> is the newest entry's, so an unchanged feed is
    byte-identical and its ETag stays the same."""
    root = ET.Element("feed", {"xmlns": ATOM, XML_LANG: i18n.HTML_LANG[i18n.requested_language()]})
    _sub(root, "id", tag(f"feeds/{name}"))
    _sub(root, "title", title)
    _sub(root, "subtitle", subtitle)
    newest = (
        max((e.updated for e in entries), default=None)
        or fallback
        or datetime(2026, 1, 1, tzinfo=UTC)
    )
    _sub(root, "updated", _time(newest))
    self_url = public_url(f"feeds.{name}")
    _sub(root, "link", rel="self", type=MIME, href=self_url)
    _sub(root, "link", rel="alternate", type="text/html", href=alternate)
    author = _sub(root, "author")
    _sub(author, "name", _("Donghu District People's Government"))
    _sub(root, "generator", "Consult")
    for e in entries:
        entry = _sub(root, "entry")
        _sub(entry, "id", tag(e.key))
        _sub(entry, "title", e.title)
        _sub(entry, "updated", _time(e.updated))
        _sub(entry, "published", _time(e.published))
        _sub(entry, "link", rel="alternate", type="text/html", href=e.link)
        for href, mime, link_title in e.related:
            _sub(entry, "link", rel="related", type=mime, href=href, title=link_title)
        if e.author:
            _sub(_sub(entry, "author"), "name", e.author)
        for term in e.categories:
            _sub(entry, "category", term=term)
        _sub(entry, "summary", e.summary, type="text")
    body = ET.tostring(root, encoding="unicode", xml_declaration=False)
    if i18n.requested_language() == "zh_Hant":
        # As the pages: Traditional Chinese is the Simplified text converted, content included.
        body = i18n.to_traditional(body)
    xml = "<?xml version='1.0' encoding='utf-8'?>\n" + body
    response = Response(xml.encode("utf-8"), mimetype=MIME)
    response.headers["Content-Type"] = f"{MIME}; charset=utf-8"
    return response


@bp.get("/consultations.atom")
def consultations():
    now = now_utc()
    stmt = (
        sa.select(Consultation)
        .where(Consultation.opens_at <= now)
        .order_by(Consultation.opens_at.desc(), Consultation.id.desc())
        .limit(LIMIT)
    )
    entries = []
    for c in db.session.scalars(stmt):
        department = c.matter.department.name
        lines = [
            department,
            _(
                "%(start)s to %(end)s (Beijing time)",
                start=_local(c.opens_at),
                end=_local(c.closes_at),
            ),
            _excerpt(c.explanation or c.preamble),
        ]
        changed = max([c.opens_at, *(w.changed_at for w in c.window_changes)])
        entries.append(
            Entry(
                key=f"consultations/{c.id}",
                title=c.title,
                updated=changed,
                published=c.opens_at,
                link=public_url("consultations.detail", consultation_id=c.id),
                summary="\n".join(line for line in lines if line),
                author=department,
                categories=["consultation"],
            )
        )
    return render(
        "consultations",
        _("Donghu District: new public consultations"),
        _("Draft decisions open for comments, newest first."),
        public_url("consultations.index"),
        entries,
        freshness.consultations_feed(),
    )


def _ready_report(consultation_id: int) -> FeedbackReport | None:
    return db.session.scalar(
        sa.select(FeedbackReport)
        .where(
            FeedbackReport.consultation_id == consultation_id,
            FeedbackReport.status == ReportStatus.READY,
        )
        .order_by(FeedbackReport.version.desc())
        .limit(1)
    )


@bp.get("/feedback.atom")
def feedback():
    stmt = (
        sa.select(Consultation)
        .where(Consultation.feedback_published_at.is_not(None))
        .order_by(Consultation.feedback_published_at.desc(), Consultation.id.desc())
        .limit(LIMIT)
    )
    entries = []
    for c in db.session.scalars(stmt):
        report = _ready_report(c.id)
        related = []
        updated = c.feedback_published_at
        if report is not None:
            related.append(
                (
                    public_url("feedback.report_pdf", consultation_id=c.id, version=report.version),
                    "application/pdf",
                    _("Feedback report, version %(n)d (PDF)", n=report.version),
                )
            )
            updated = max(updated, report.finished_at or updated)
        entries.append(
            Entry(
                key=f"feedback/{c.id}",
                title=_("Feedback: %(title)s", title=c.title),
                updated=updated,
                published=c.feedback_published_at,
                link=public_url("consultations.detail", consultation_id=c.id) + "#feedback",
                summary=_excerpt(c.feedback_summary),
                author=c.matter.department.name,
                categories=["feedback"],
                related=related,
            )
        )
    return render(
        "feedback",
        _("Donghu District: feedback on public consultations"),
        _("How each department answered the comments it received, with the report."),
        public_url("consultations.index", status="closed"),
        entries,
        freshness.feedback_feed(),
    )


@bp.get("/meetings.atom")
def meetings():
    from consult.meetings.rules import KIND_LABELS

    scheduled = db.session.scalars(
        sa.select(Meeting).order_by(Meeting.created_at.desc(), Meeting.id.desc()).limit(LIMIT)
    )
    decided = db.session.scalars(
        sa.select(Meeting)
        .where(Meeting.outcome_published_at.is_not(None))
        .order_by(Meeting.outcome_published_at.desc(), Meeting.id.desc())
        .limit(LIMIT)
    )
    entries = []
    for m in scheduled:
        organiser = m.department.name if m.department else _("District People's Government")
        lines = [
            str(KIND_LABELS.get(m.kind, m.kind)),
            _(
                "%(start)s to %(end)s (Beijing time)",
                start=_local(m.starts_at),
                end=_local(m.ends_at),
            ),
            m.place,
            *(f"{a.position}. {_excerpt(a.title, 200)}" for a in m.agenda),
        ]
        entries.append(
            Entry(
                key=f"meetings/{m.id}",
                title=m.title,
                published=m.created_at,
                link=public_url("meetings.detail", meeting_id=m.id),
                summary="\n".join(line for line in lines if line),
                author=organiser,
                categories=["meeting", m.kind],
            )
        )
    for m in decided:
        organiser = m.department.name if m.department else _("District People's Government")
        entries.append(
            Entry(
                key=f"meetings/{m.id}/outcome",
                title=_("Outcome: %(title)s", title=m.title),
                published=m.outcome_published_at,
                link=public_url("meetings.detail", meeting_id=m.id) + "#outcome",
                summary=_excerpt(m.outcome_summary),
                author=organiser,
                categories=["meeting-outcome", m.kind],
            )
        )
    entries.sort(key=lambda e: (e.updated, e.key), reverse=True)
    return render(
        "meetings",
        _("Donghu District: government meetings"),
        _("Meetings scheduled with public representatives, and their published outcomes."),
        public_url("meetings.index"),
        entries[:LIMIT],
        freshness.meetings_feed(),
    )


@bp.get("/interpretations.atom")
def interpretations():
    """Policy interpretations published with decisions, and the follow-ups."""
    from consult.interpretation.models import Interpretation
    from consult.interpretation.rules import KIND_LABELS

    stmt = (
        sa.select(Interpretation)
        .order_by(Interpretation.published_at.desc(), Interpretation.id.desc())
        .limit(LIMIT)
    )
    entries = []
    for i in db.session.scalars(stmt):
        related = []
        if i.matter.decision_document_url:
            related.append(
                (i.matter.decision_document_url, "text/html", _("The decision document"))
            )
        if i.link:
            related.append((i.link, "text/html", _("Graphic, video or press conference")))
        entries.append(
            Entry(
                key=f"interpretations/{i.id}",
                title=i.title,
                published=i.published_at,
                link=public_url(
                    "interpretation.interpretation", matter_id=i.matter_id, interpretation_id=i.id
                ),
                summary="\n".join([f"{KIND_LABELS[i.kind]} · {i.matter.title}", _excerpt(i.body)]),
                author=i.department.name,
                categories=["interpretation", i.kind],
                related=related,
            )
        )
    return render(
        "interpretations",
        _("Donghu District: policy interpretations"),
        _("How each decision is explained: with the decision, and again as questions come up."),
        public_url("catalogue.index"),
        entries,
        freshness.interpretations(),
    )
