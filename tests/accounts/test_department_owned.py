"""Rule 4 in one place: `can_manage(actor)` on everything a department owns."""

from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin

from consult.accounts.models import manages_department
from consult.catalogue.models import DecisionMatter
from consult.consultations.models import Consultation
from consult.feedback.models import AnswerTemplate
from consult.meetings.models import Meeting

OWNED = {
    "matter": lambda dept: DecisionMatter(department_id=dept),
    "consultation": lambda dept: Consultation(matter=DecisionMatter(department_id=dept)),
    "meeting": lambda dept: Meeting(department_id=dept),
    "answer template": lambda dept: AnswerTemplate(department_id=dept),
}
# Who manages what their department owns, and what no department owns (the office's own).
EXPECTED = {
    "admin": (True, True),
    "own officer": (True, False),
    "other officer": (False, False),
    "own officer, deactivated": (False, False),
    "representative": (False, False),
    "resident": (False, False),
    "anonymous": (False, False),
    "nobody": (False, False),
}


@pytest.fixture
def people(db, create_department, create_user):
    own, other = create_department(), create_department()
    deactivated = create_user("officer", department=own)
    deactivated.active = False
    return own, {
        "admin": create_user("admin"),
        "own officer": create_user("officer", department=own),
        "other officer": create_user("officer", department=other),
        "own officer, deactivated": deactivated,
        "representative": create_user("representative"),
        "resident": create_user("resident"),
        "anonymous": AnonymousUserMixin(),
        "nobody": None,
    }


@pytest.mark.parametrize("kind", list(OWNED))
@pytest.mark.parametrize("who", list(EXPECTED))
def test_who_manages_what_a_department_owns(people, kind, who):
    own, actors = people
    owned, office_own = EXPECTED[who]
    assert OWNED[kind](own.id).can_manage(actors[who]) is owned
    if kind == "meeting":  # a district meeting belongs to no department
        assert OWNED[kind](None).can_manage(actors[who]) is office_own
    assert manages_department(actors[who], own.id) is owned


def test_the_query_criterion_lists_what_each_may_manage(db, people, create_matter):
    import sqlalchemy as sa

    own, actors = people
    mine = create_matter(department=own)
    theirs = create_matter()
    db.session.flush()
    for who, (owned, _office) in EXPECTED.items():
        listed = set(
            db.session.scalars(
                sa.select(DecisionMatter.id).where(DecisionMatter.managed_by(actors[who]))
            )
        )
        assert (mine.id in listed) is owned, who
        assert (theirs.id in listed) is (who == "admin"), who
