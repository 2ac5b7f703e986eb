"""The meeting tests' shared district: two departments, one user of every role, a published
matter, two representatives with accounts and a few experts without, on Monday 2 March 2026."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from consult.accounts.models import SYSTEM
from consult.representatives import services as pool

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Donghu
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
TERM = {"term_start": date(2025, 1, 1), "term_end": date(2027, 12, 31)}


def meeting_data(
    department_id: int | None,
    *,
    kind: str = "symposium",
    title: str = "老旧小区改造座谈会",
    starts_in: timedelta = 14 * DAY,
    hours: int = 2,
    seats: int = 5,
    **overrides,
) -> dict:
    """What `create_meeting` is given for a meeting `starts_in` from NOW, registration closing
    three days before; no agenda unless `agenda=[{"title", "matter_id"}]` is given."""
    start = NOW + starts_in
    return {
        "kind": kind,
        "title": title,
        "place": "区政府五楼会议室",
        "starts_at": start,
        "ends_at": start + hours * HOUR,
        "registration_deadline": start - 3 * DAY,
        "seats": seats,
        "department_id": department_id,
        "agenda": [],
        **overrides,
    }


def district(
    create_user,
    create_department,
    create_matter,
    *,
    phones: tuple[str, str],
    emails: tuple[str, str],
    experts: int,
) -> SimpleNamespace:
    """`me` (周文静, a deputy) and `other` (李桂英, a supervisor) sign in as `me_user` and
    `other_user`; their private contacts are `phones` and `emails`; the experts share the first
    ones."""
    x = SimpleNamespace()
    x.department, x.elsewhere = create_department(), create_department()
    x.admin = create_user("admin")
    x.officer = create_user("officer", department=x.department)
    x.other_officer = create_user("officer", department=x.elsewhere)
    x.resident = create_user("resident")
    x.me_user = create_user("representative", display_name="周文静")
    x.other_user = create_user("representative", display_name="李桂英")
    x.matter = create_matter(department=x.department, published=True)
    x.me, x.other = (
        pool.add_representative(
            {
                "name": name,
                "category": category,
                "user_id": user.id,
                "phone": phone,
                "email": email,
                **TERM,
            },
            actor=SYSTEM,
        )
        for name, category, user, phone, email in (
            ("周文静", "npc_deputy", x.me_user, phones[0], emails[0]),
            ("李桂英", "supervisor", x.other_user, phones[1], emails[1]),
        )
    )
    x.experts = [
        pool.add_representative(
            {
                "name": f"专家{n}",
                "category": "expert",
                "phone": phones[0],
                "email": emails[0],
                **TERM,
            },
            actor=SYSTEM,
        )
        for n in range(1, experts + 1)
    ]
    return x
