"""The feedback tests' shared district: one consultation of the department with six comments
(online ones, a duplicate pair, a hotline comment entered by staff, a hidden one) and one
comment on another department's consultation (the `scenario` fixture of
tests/feedback/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass

from consult.accounts.models import SYSTEM
from consult.comments import services as comment_services
from consult.comments.models import Comment
from consult.consultations.models import Consultation
from consult.feedback import services
from tests.consultations.consultation_support import DAY, NOW, make_consultation, submit

BODIES = {
    "a": "建议在小区东门增设非机动车停放区，方便居民出行。",
    "b": "第二条应当明确街道办事处的协调职责，避免相互推诿。",
    "dup": "坚决反对拆除小区内现有的自行车棚，请保留原有设施。",
    "hotline": "来电反映：希望改造施工期间保留临时停车位，减少对老人出行的影响。",
    "hidden": "这条意见含有侮辱性语言，内容与征求意见稿无关，应予屏蔽。",
    "other": "建议学区划分时充分考虑新建小区的入学需求。",
}
ADOPTED = {"disposition": "adopted", "reason": ""}
NOT_ADOPTED = {"disposition": "not_adopted", "reason": "与上位法规定不符，暂不采纳。"}


@dataclass
class Scenario:
    consultation: Consultation
    a: Comment
    b: Comment
    dup1: Comment
    dup2: Comment
    hotline: Comment
    hidden: Comment
    other_consultation: Consultation
    other: Comment

    @property
    def comments(self) -> list[Comment]:
        return [self.a, self.b, self.dup1, self.dup2, self.hotline, self.hidden]

    @property
    def base(self) -> str:
        """The feedback workspace's address."""
        return f"/manage/consultations/{self.consultation.id}/feedback"


def hotline_comment(consultation: Consultation) -> Comment:
    """A hotline call entered by staff, received a day after NOW, with a private email."""
    return comment_services.enter_offline_comment(
        consultation,
        {
            "source": "hotline",
            "received_at": NOW + DAY,
            "author_name": "来电市民",
            "body": BODIES["hotline"],
            "contact": "zhao@example.test",
        },
        actor=SYSTEM,
    )


def build_scenario(world, clock, db) -> Scenario:
    clock.set(NOW)
    c = make_consultation(world.matter, NOW)
    a = submit(c, body=BODIES["a"], clause=1, contact="13912345678")
    b = submit(c, body=BODIES["b"], clause=2, show_name=False)
    dup1 = submit(c, body=BODIES["dup"], author_name="李四")
    dup2 = submit(c, body=BODIES["dup"], author_name="王五")
    clock.set(NOW + 2 * DAY)
    hotline = hotline_comment(c)
    hidden = submit(c, body=BODIES["hidden"], author_name="赵六")
    comment_services.hide_comment(hidden, "abusive", "含侮辱性语言", actor=SYSTEM)
    other_c = make_consultation(world.other_matter, NOW + 2 * DAY)
    other = submit(other_c, body=BODIES["other"])
    db.session.commit()
    return Scenario(c, a, b, dup1, dup2, hotline, hidden, other_c, other)


def answer_all(s: Scenario, db=None, *, actor=SYSTEM) -> None:
    """Every comment answered (the duplicate pair in bulk); committed when `db` is given."""
    services.dispose_comment(s.a, ADOPTED, actor=actor)
    services.dispose_comment(
        s.b, {"disposition": "partly_adopted", "reason": "部分采纳。"}, actor=actor
    )
    services.dispose_comments(s.consultation, [s.dup1.id, s.dup2.id], NOT_ADOPTED, actor=actor)
    services.dispose_comment(s.hotline, NOT_ADOPTED, actor=actor)
    services.dispose_comment(
        s.hidden,
        {"disposition": "not_applicable", "reason": "与本办法无关，不予采纳。"},
        actor=actor,
    )
    if db is not None:
        db.session.commit()
