"""Fixtures of the interpretation tests: a lead department with a policy specialist, another
department, and matters at every stage (one decided, with its interpretation)."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from types import SimpleNamespace

import pytest

from consult.accounts.models import SYSTEM
from consult.catalogue import services as catalogue
from consult.interpretation import services
from tests.helpers import decision

# Monday 2 November 2026, 10:00 in Donghu.
ASKED = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
PUBLISHED = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
DECIDED_ON = date(2026, 10, 20)


@pytest.fixture
def scene(db, frozen, create_department, create_user, create_matter):
    frozen(PUBLISHED)
    lead = create_department(name="东湖区医疗保障局", short_name="医保局")
    other = create_department(name="东湖区交通运输局", short_name="交通局")
    specialist = create_user("officer", department=lead, display_name="陈晓梅")
    officer = create_user("officer", department=lead, display_name="周建华")
    other_officer = create_user("officer", department=other, display_name="刘强")
    admin = create_user("admin", display_name="区政府办公室")
    decided = create_matter(lead, title="城乡居民医保门诊共济保障实施办法")
    consulting = create_matter(lead, title="社区嵌入式托育服务设施建设")
    planned = create_matter(lead, title="老年助餐服务补贴办法")
    withdrawn = create_matter(lead, title="农贸市场升级改造")
    deliberating = create_matter(lead, title="公办幼儿园收费标准调整")
    catalogue.publish_catalogue(decided.catalogue, actor=SYSTEM)
    frozen(datetime(2026, 10, 20, 8, 0, tzinfo=UTC))
    catalogue.change_status(consulting, "consulting", actor=SYSTEM)
    for m in (decided, deliberating):
        catalogue.change_status(m, "deliberating", actor=SYSTEM)
    catalogue.change_status(decided, "decided", decision(DECIDED_ON), actor=SYSTEM)
    catalogue.withdraw_matter(withdrawn, "上级政策调整，暂不推进。", actor=SYSTEM)
    role = services.name_specialist(
        lead, {"user_id": specialist.id, "remit": "门诊共济、个人账户使用"}, actor=SYSTEM
    )
    frozen(ASKED)
    return SimpleNamespace(
        lead=lead,
        other=other,
        specialist=specialist,
        role=role,
        officer=officer,
        other_officer=other_officer,
        admin=admin,
        decided=decided,
        consulting=consulting,
        planned=planned,
        withdrawn=withdrawn,
        deliberating=deliberating,
    )


QUESTION = {
    "author_name": "王秀兰",
    "show_name": True,
    "contact": "13900001111",
    "body": "请问门诊共济实施后，个人账户的钱还能给家里人用吗？",
    "consent": True,
}


def question_data(**overrides) -> dict:
    return {**QUESTION, **overrides}
