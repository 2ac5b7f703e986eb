"""The demo's story as data, one TOML file per domain: the accounts, the catalogues, the
consultations and their comments (and the words of a mass consultation's crowd), the
representative pool, its meetings and the feedback. Every date is counted from the day the demo
is seeded (`when` says how they are written). Each file is checked when it is read (`schema`):
an error names the file and the entry."""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import replace
from importlib import resources
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError

from consult.demo.story import schema
from consult.demo.story.when import Clock
from consult.demo.story.when import StoryError
from consult.demo.story.when import When
from consult.demo.story.when import local

__all__ = ["Clock", "Story", "StoryError", "When", "leaves", "load", "local", "parse", "whens"]

DOMAINS: dict[str, type[BaseModel]] = {
    "accounts": schema.Accounts,
    "catalogue": schema.Catalogue,
    "consultations": schema.Consultations,
    "comments": schema.Comments,
    "representatives": schema.Pool,
    "meetings": schema.Meetings,
    "feedback": schema.Feedback,
    "crowd": schema.Crowd,
    "interpretations": schema.Interpretations,
}


@dataclass(frozen=True)
class Story:
    accounts: schema.Accounts
    catalogue: schema.Catalogue
    consultations: schema.Consultations
    comments: schema.Comments
    representatives: schema.Pool
    meetings: schema.Meetings
    feedback: schema.Feedback
    crowd: schema.Crowd
    interpretations: schema.Interpretations


def _label(node: Any) -> str:
    """What names an entry in a message: its key, name or title."""
    if isinstance(node, dict):
        for key in ("key", "name", "title", "filename", "consultation"):
            if isinstance(node.get(key), str):
                text = node[key]
                return f" ({text[:24]}…)" if len(text) > 24 else f" ({text})"
    return ""


def _where(domain: str, data: Any, loc: tuple[Any, ...]) -> str:
    """`consultations[6] (parking).remarks[2] (孙丽).day` from a location in the file."""
    parts: list[str] = []
    node = data
    for step in loc:
        if isinstance(step, int) and isinstance(node, list) and parts:
            node = node[step] if step < len(node) else None
            parts[-1] += f"[{step}]{_label(node)}"
        elif isinstance(node, dict) and step in node:
            node = node[step]
            parts.append(str(step))
        elif isinstance(step, str) and step[:1].isupper():
            continue  # a union's member, e.g. "Drawn": not a key of the file
        else:
            parts.append(str(step))
            node = None
    return f"consult/demo/story/{domain}.toml: {'.'.join(parts) or '(top)'}"


def parse(domain: str, data: dict[str, Any]) -> BaseModel:
    """Check one file's data against its schema."""
    model = DOMAINS[domain]
    shaped: dict[str, Any] = data
    if domain == "comments":
        special = ("campaigns", "uploads")
        rest = {k: v for k, v in data.items() if k not in special}
        shaped = {k: data[k] for k in special if k in data} | {"by_consultation": rest}
    try:
        parsed = model.model_validate(shaped)
    except ValidationError as exc:
        lines = []
        for error in exc.errors(include_url=False):
            loc = tuple(error["loc"])
            if domain == "comments" and loc[:1] == ("by_consultation",):
                loc = loc[1:]
            lines.append(f"{_where(domain, data, loc)}: {error['msg']}")
        raise StoryError("\n".join(lines)) from None
    return _placed(domain, data, parsed)


def _placed(domain: str, data: dict[str, Any], model: BaseModel) -> BaseModel:
    """Each date learns where it stands, for the errors that only resolving finds (02-29)."""

    def walk(value: Any, loc: tuple[Any, ...]) -> Any:
        if isinstance(value, When):
            return replace(value, where=_where(domain, data, loc))
        if isinstance(value, BaseModel):
            changes = {
                name: walk(getattr(value, name), (*loc, name)) for name in type(value).model_fields
            }
            return value.model_copy(update=changes)
        if isinstance(value, list):
            return [walk(item, (*loc, n)) for n, item in enumerate(value)]
        if isinstance(value, dict):
            return {k: walk(v, (*loc, k)) for k, v in value.items()}
        return value

    if domain == "comments":
        assert isinstance(model, schema.Comments)
        by = {key: walk(items, (key,)) for key, items in model.by_consultation.items()}
        return model.model_copy(update={"by_consultation": by})
    return walk(model, ())


def leaves(value: Any) -> Iterator[Any]:
    """Every value a story file holds: texts, numbers, dates (for the tests)."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from leaves(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from leaves(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from leaves(item)
    else:
        yield value


def whens(value: Any) -> Iterator[When]:
    """Every date and moment in a story file."""
    return (leaf for leaf in leaves(value) if isinstance(leaf, When))


def read(domain: str) -> dict[str, Any]:
    text = resources.files(__name__).joinpath(f"{domain}.toml").read_text("utf-8")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StoryError(f"consult/demo/story/{domain}.toml: {exc}") from None


@functools.cache
def load() -> Story:
    """Every story file, checked, and checked against each other."""
    story = Story(**{domain: parse(domain, read(domain)) for domain in DOMAINS})
    check_references(story)
    return story


def check_references(story: Story) -> None:
    """Names in one file that must stand in another (or elsewhere in the same one)."""
    problems: list[str] = []

    def need(where: str, name: str | None, known: Any, what: str) -> None:
        if name is not None and name not in known:
            problems.append(f"consult/demo/story/{where}: {name!r} is no {what}")

    departments = {d.short_name for d in story.accounts.departments}
    accounts = {u.key for u in story.accounts.users}
    people = {p.name for p in story.representatives.people}
    matters = {y.year: [m.title for m in y.matters] for y in story.catalogue.years}
    consultations = {c.key: c for c in story.consultations.consultations}

    def matter(where: str, prefix: str | None, year: int) -> None:
        if prefix is not None and not any(t.startswith(prefix) for t in matters.get(year, [])):
            problems.append(
                f"consult/demo/story/{where}: no matter of year {year:+d} starts with {prefix!r}"
            )

    for u in story.accounts.users:
        need(f"accounts.toml: users ({u.key})", u.department, departments, "department")
    linked: list[str] = []
    for y in story.catalogue.years:
        for m in y.matters:
            where = f"catalogue.toml: matters ({m.title[:24]})"
            need(where, m.department, departments, "department")
            for a in m.adjustments:
                need(where, a.department, departments, "department")
            need(where, m.consultation, consultations, "consultation in consultations.toml")
            if m.consultation:
                linked.append(m.consultation)
    for key in consultations:
        if linked.count(key) != 1:
            problems.append(
                f"consult/demo/story/consultations.toml: {key!r} is the consultation of "
                f"{linked.count(key)} matters in catalogue.toml (one is needed)"
            )
    for key, said in story.comments.by_consultation.items():
        need("comments.toml", key, consultations, "consultation in consultations.toml")
        gatherings = {g.key for g in consultations[key].gatherings} if key in consultations else ()
        for n, c in enumerate(said):
            where = f"comments.toml: {key}[{n}] ({c.name})"
            need(where, c.campaign, story.comments.campaigns, "campaign")
            need(where, c.activity, gatherings, f"gathering of {key}")
            need(where, c.account, accounts, "account in accounts.toml")
    for p in story.representatives.people:
        need(f"representatives.toml: people ({p.name})", p.account, accounts, "account")
    for change in story.representatives.status_changes:
        need("representatives.toml: status_changes", change.name, people, "representative")
    for conflict in story.representatives.conflicts:
        need("representatives.toml: conflicts", conflict.name, people, "representative")
        matter("representatives.toml: conflicts", conflict.matter, 0)
    for a in story.representatives.applications:
        need("representatives.toml: applications", a.account, accounts, "account")
    for m in story.meetings.meetings:
        where = f"meetings.toml: meetings ({m.key})"
        need(where, m.department, departments, "department")
        need(where, m.organiser, accounts, "account in accounts.toml")
        for item in m.agenda:
            matter(where, item.matter, item.matter_year)
        replied = [r.who for r in m.replies if r.who != "*"]
        named = [*m.invited, *replied, *(x.who for x in (*m.arrivals, *m.remarks)), *m.no_shows]
        for who in named:
            if isinstance(who, str):
                need(where, who, people, "representative in representatives.toml")
    feedback = story.feedback
    for key in (*feedback.published, *feedback.partly_answered):
        need("feedback.toml", key, consultations, "consultation in consultations.toml")
    for drafts in feedback.drafts:
        need("feedback.toml: drafts", drafts.consultation, consultations, "consultation")
        need("feedback.toml: drafts", drafts.by, accounts, "account in accounts.toml")
    problems += _answering_problems(story, consultations)
    if problems:
        raise StoryError("\n".join(problems))


def _answering_problems(story: Story, consultations: dict[str, Any]) -> list[str]:
    """The uploads (comments.toml) and the shared-out answering (feedback.toml) are done by
    the staff of the consultation's own department (the government office may do anything
    but upload), to the officers of that department, on campaigns that exist."""
    problems: list[str] = []
    users = {u.key: u for u in story.accounts.users}
    lead = {
        m.consultation: m.department
        for y in story.catalogue.years
        for m in y.matters
        if m.consultation
    }
    campaigns = set(story.comments.campaigns) | {c.name for c in story.crowd.campaigns}

    def account(where: str, key: str, consultation: str, *, head=False, officer=False) -> None:
        user = users.get(key)
        if user is None:
            problems.append(f"{where}: {key!r} is no account in accounts.toml")
            return
        if user.role == "admin" and not officer:
            return
        if user.role != "officer" or user.department != lead.get(consultation):
            problems.append(
                f"{where}: {key!r} is no officer of {lead.get(consultation)!r}, the department "
                f"of {consultation!r}"
            )
        elif head and not user.department_head:
            problems.append(f"{where}: {key!r} is not the head of {user.department!r}")

    def step(where: str, s: Any, **kinds: bool) -> bool:
        if s.consultation not in consultations:
            problems.append(f"{where}: {s.consultation!r} is no consultation in consultations.toml")
            return False
        window = consultations[s.consultation].closes
        if not 0 <= s.day <= window.day:
            problems.append(f"{where}: day {s.day} is outside the window (days 0 to {window.day})")
        account(where, s.by, s.consultation, **kinds)
        return True

    uploads = story.comments.uploads
    for n, upload in enumerate(uploads.files if uploads else []):
        where = f"consult/demo/story/comments.toml: uploads.files[{n}] ({upload.filename})"
        step(where, upload)
    feedback = story.feedback
    lists = (
        ("assignments", feedback.assignments, {"head": True}),
        ("set_answers", feedback.set_answers, {}),
        ("confirmations", feedback.confirmations, {}),
    )
    for name, entries, kinds in lists:
        for n, s in enumerate(entries):
            where = f"consult/demo/story/feedback.toml: {name}[{n}] ({s.consultation})"
            if not step(where, s, **kinds):
                continue
            chosen = s.selection
            if chosen.group is not None and chosen.group not in campaigns:
                problems.append(
                    f"{where}: group {chosen.group!r} is no campaign in comments.toml or crowd.toml"
                )
            if chosen.assignee not in (None, "nobody"):
                account(where, chosen.assignee, s.consultation, officer=True)
            to = getattr(s, "to", "nobody")
            if to != "nobody":
                account(where, to, s.consultation, officer=True)
    return problems
