"""A small district with every kind of public record and distinctive private values planted
in it, for the open-data, feed and OpenAPI tests. Not a test module: the `district` fixture
(tests/conftest.py) is built here; the tests import the planted values from here.

Everything private (a resident's contact, the submitter's IP, a representative's phone and
email, a decline reason, a check-in code, a hidden comment's text and name, an anonymous
author's name, an answer not yet published) has a value found nowhere else, so a test can
search every byte of an output for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from consult.accounts.models import SYSTEM
from consult.catalogue import services as catalogue
from consult.comments import services as comments
from consult.feedback import services as feedback
from consult.meetings import services as meetings
from consult.representatives import services as pool
from tests.consultations.consultation_support import make_consultation, submit

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Donghu
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

PHONE = "13912345678"
EMAIL = "leak@example.com"
IP = "203.0.113.99"
REP_PHONE = "13800001111"
REP_EMAIL = "rep-leak@example.com"
HIDDEN_BODY = "屏蔽内容HIDDEN-7731不应公开"
HIDDEN_NAME = "屏蔽者赵六"
ANON_NAME = "匿名者钱七"
DECLINE_REASON = "DECLINE-REASON-私事9902"
UNPUBLISHED_REASON = "UNPUBLISHED-REASON-4417"
B_HIDDEN_BODY = "B屏蔽内容HIDDEN-5150"

PUBLIC_BODY = "建议在小区东门增设非机动车停放区，方便居民出行。A1"
ANON_BODY = "第二条应当明确街道办事处的协调职责。A2"
HOTLINE_BODY = "来电反映：希望施工期间保留临时停车位。A4"
OPEN_BODY = "建议合理设置学区边界，照顾新建小区。B1"
D_BODY = "建议延长图书馆开放时间。D1"
ADOPT_REASON = "与上位法规定不符，暂不采纳。"


@dataclass
class District:
    dept: Any
    admin: Any
    officer: Any
    rep_users: dict[str, Any]
    matters: dict[str, Any]
    reps: dict[str, Any]
    consultations: dict[str, Any]
    comments: dict[str, Any]
    meetings: dict[str, Any]
    invitations: dict[str, Any] = field(default_factory=dict)

    def private_values(self) -> list[str]:
        codes = [i.checkin_code for i in self.invitations.values() if i.checkin_code]
        return [
            PHONE,
            EMAIL,
            IP,
            REP_PHONE,
            REP_EMAIL,
            HIDDEN_BODY,
            HIDDEN_NAME,
            ANON_NAME,
            DECLINE_REASON,
            UNPUBLISHED_REASON,
            B_HIDDEN_BODY,
            *codes,
        ]


def assert_no_private(text: str, district: District, where: str = "") -> None:
    for value in district.private_values():
        assert value not in text, f"{value!r} leaked into {where}"


def _meeting(title: str, starts_at: datetime, deadline: datetime, dept, agenda) -> Any:
    return meetings.create_meeting(
        {
            "kind": "standing",
            "title": title,
            "place": "区政府三楼会议室",
            "starts_at": starts_at,
            "ends_at": starts_at + 3 * HOUR,
            "registration_deadline": deadline,
            "seats": 5,
            "department_id": dept.id,
            "agenda": [{"title": "", "matter_id": m.id} for m in agenda],
        },
        actor=SYSTEM,
    )


def build_district(db, frozen, create_department, create_user, create_matter) -> District:
    """The district of the `district` fixture (tests/conftest.py), committed."""
    frozen(NOW - 41 * DAY)
    dept = create_department("东湖区住房和城乡建设局", "住建局")
    admin = create_user("admin", display_name="区政府办公室")
    officer = create_user("officer", department=dept, display_name="住建局王科长")
    rep_users = {name: create_user("representative") for name in ("zhou", "sun")}
    matters = {
        "parking": create_matter(department=dept, title="老旧小区停车设施改造"),
        "schools": create_matter(department=dept, title="中小学学区划分调整"),
        "library": create_matter(department=dept, title="图书馆开放时间调整"),
        "waste": create_matter(department=dept, title="生活垃圾分类实施方案"),
    }
    catalogue.publish_catalogue(matters["parking"].catalogue, actor=SYSTEM)
    term = {"term_start": date(2025, 1, 1), "term_end": date(2027, 12, 31)}
    reps = {
        "zhou": pool.add_representative(
            {
                "name": "周文静",
                "category": "npc_deputy",
                "user_id": rep_users["zhou"].id,
                "phone": REP_PHONE,
                "email": REP_EMAIL,
                **term,
            },
            actor=SYSTEM,
        ),
        "wu": pool.add_representative(
            {
                "name": "吴建国",
                "category": "expert",
                "affiliation": "东湖大学",
                "phone": REP_PHONE,
                "email": "wu-" + REP_EMAIL,
                **term,
            },
            actor=SYSTEM,
        ),
        "zheng": pool.add_representative(
            {"name": "郑海燕", "category": "media", "phone": REP_PHONE, **term}, actor=SYSTEM
        ),
        "sun": pool.add_representative(
            {
                "name": "孙立新",
                "category": "expert",
                "user_id": rep_users["sun"].id,
                "email": "sun-" + REP_EMAIL,
                **term,
            },
            actor=SYSTEM,
        ),
        "li": pool.add_representative(
            {"name": "李秀英", "category": "expert", "phone": REP_PHONE, **term}, actor=SYSTEM
        ),
    }

    # A: closed ten days ago, answered and published.
    frozen(NOW - 40 * DAY)
    a = make_consultation(matters["parking"], NOW - 40 * DAY)
    d = make_consultation(matters["library"], NOW - 40 * DAY, title="关于图书馆开放时间的意见征集")
    m1 = _meeting("区政府第1次常务会议", NOW - 20 * DAY, NOW - 25 * DAY, dept, [matters["parking"]])
    invited = meetings.invite(m1, [reps["zhou"].id, reps["wu"].id, reps["zheng"].id], actor=SYSTEM)
    frozen(NOW - 39 * DAY)
    a1 = submit(a, body=PUBLIC_BODY, author_name="张三", show_name=True, contact=PHONE, ip=IP)
    a2 = submit(a, body=ANON_BODY, author_name=ANON_NAME, show_name=False, contact=EMAIL, ip=IP)
    a3 = submit(a, body=HIDDEN_BODY, author_name=HIDDEN_NAME, show_name=True, contact=PHONE, ip=IP)
    comments.hide_comment(a3, "abusive", "含侮辱性语言", actor=SYSTEM)
    frozen(NOW - 37 * DAY)
    a4 = comments.enter_offline_comment(
        a,
        {
            "source": "hotline",
            "received_at": NOW - 38 * DAY,
            "author_name": "来电市民",
            "show_name": True,
            "body": HOTLINE_BODY,
            "contact": EMAIL,
        },
        actor=SYSTEM,
    )
    d1 = submit(d, body=D_BODY, author_name="钱八", show_name=True, contact=PHONE, ip=IP)

    frozen(NOW - 30 * DAY)
    zhou_invitation, wu_invitation, zheng_invitation = invited
    meetings.respond(zhou_invitation, True, actor=SYSTEM)
    meetings.respond(wu_invitation, False, DECLINE_REASON, actor=SYSTEM)
    frozen(m1.starts_at + HOUR)
    meetings.check_in(m1, zhou_invitation.checkin_code, actor=SYSTEM)
    frozen(NOW - 19 * DAY)
    meetings.publish_outcome(
        m1,
        {
            "summary": "会议原则通过老旧小区停车设施改造方案。",
            "items": {
                m1.agenda[0].id: {
                    "decision": "原则通过，修改后印发。",
                    "interpretation": "新增停车位约300个。",
                }
            },
        },
        actor=SYSTEM,
    )

    frozen(NOW - 5 * DAY)
    feedback.dispose_comment(a1, {"disposition": "adopted", "reason": ""}, actor=SYSTEM)
    feedback.dispose_comment(
        a2, {"disposition": "partly_adopted", "reason": "部分采纳。"}, actor=SYSTEM
    )
    feedback.dispose_comment(
        a3, {"disposition": "not_applicable", "reason": "与本办法无关。"}, actor=SYSTEM
    )
    feedback.dispose_comment(
        a4, {"disposition": "not_adopted", "reason": ADOPT_REASON}, actor=SYSTEM
    )
    feedback.publish_feedback(a, {"summary": "根据意见增设非机动车停放区。"}, actor=SYSTEM)
    # D: closed and answered, but the answers are not published yet.
    feedback.dispose_comment(
        d1, {"disposition": "not_adopted", "reason": UNPUBLISHED_REASON}, actor=SYSTEM
    )

    # B: open now; C: scheduled. M2 upcoming, M3 about to start.
    frozen(NOW - 2 * DAY)
    m3 = _meeting("区政府第3次常务会议", NOW + HOUR, NOW - DAY, dept, [matters["waste"]])
    (li_invitation,) = meetings.invite(m3, [reps["li"].id], actor=SYSTEM)
    meetings.respond(li_invitation, True, actor=SYSTEM)
    frozen(NOW - DAY)
    b = make_consultation(matters["schools"], NOW - DAY, title="关于学区划分调整的公开征求意见")
    c = make_consultation(
        matters["waste"], NOW + 5 * DAY, title="关于垃圾分类实施方案的公开征求意见"
    )
    m2 = _meeting("区政府第2次常务会议", NOW + 10 * DAY, NOW + 7 * DAY, dept, [matters["schools"]])
    (sun_invitation,) = meetings.invite(m2, [reps["sun"].id], actor=SYSTEM)
    b1 = submit(b, body=OPEN_BODY, author_name="孙九", show_name=True, contact=PHONE, ip=IP)
    b2 = submit(
        b, body=B_HIDDEN_BODY, author_name=HIDDEN_NAME, show_name=True, contact=EMAIL, ip=IP
    )
    comments.hide_comment(b2, "personal_data", "含个人信息", actor=SYSTEM)

    frozen(NOW)
    db.session.commit()
    return District(
        dept=dept,
        admin=admin,
        officer=officer,
        rep_users=rep_users,
        matters=matters,
        reps=reps,
        consultations={"a": a, "b": b, "c": c, "d": d},
        comments={"a1": a1, "a2": a2, "a3": a3, "a4": a4, "b1": b1, "b2": b2, "d1": d1},
        meetings={"m1": m1, "m2": m2, "m3": m3},
        invitations={
            "zhou": zhou_invitation,
            "wu": wu_invitation,
            "zheng": zheng_invitation,
            "sun": sun_invitation,
            "li": li_invitation,
        },
    )
