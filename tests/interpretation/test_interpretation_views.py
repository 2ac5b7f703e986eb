"""The pages: asking without an account, refusals that keep the text, the rate limit, answering,
moderation, and privacy of the asker's contact on every public page, feed, export and API."""

from __future__ import annotations

import json

import pytest

from consult.core.i18n import to_traditional
from consult.interpretation import services
from tests.helpers import field_error
from tests.helpers import login
from tests.helpers import new_client
from tests.helpers import post
from tests.interpretation.conftest import question_data

PHONE = "13900001111"
EMAIL = "asker-private@example.cn"
IP = "203.0.113.45"
HIDDEN_NAME = "不愿署名的提问人"


def _ask(client, matter, **overrides):
    data = question_data(**overrides)
    form = {k: v for k, v in data.items() if k not in ("show_name", "consent")}
    if data.get("show_name"):
        form["show_name"] = "y"
    if data.get("consent"):
        form["consent"] = "y"
    return post(client, f"/matters/{matter.id}/questions", form)


def test_anyone_asks_without_an_account_and_follows_the_receipt(client, scene, db):
    response = _ask(client, scene.decided)
    assert response.status_code == 303
    receipt = response.headers["Location"].split("/questions/")[1].split("?")[0]
    page = client.get(f"/questions/{receipt}?new=1").get_data(as_text=True)
    assert "门诊共济" in page and PHONE not in page
    assert client.get(f"/questions?number={receipt.lower()}").status_code == 302
    assert client.get("/questions?number=WD-2026-AAAA-AAAA").status_code == 404
    listing = client.get(f"/matters/{scene.decided.id}/questions").get_data(as_text=True)
    assert "王秀兰" in listing and "陈晓梅" in listing  # the asker, and who answers


@pytest.mark.parametrize(
    "overrides, field",
    [({"body": "太短"}, "body"), ({"contact": "abc"}, "contact"), ({"consent": False}, "consent")],
)
def test_a_refused_question_keeps_what_was_typed(client, scene, db, overrides, field):
    typed = {"body": "请问个人账户家庭共济需要到哪里办理备案手续？", **overrides}
    response = _ask(client, scene.decided, **typed)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, field)
    assert typed["body"] in html and "王秀兰" in html


@pytest.mark.parametrize("matter", ["planned", "withdrawn"])
def test_no_question_on_a_planned_or_withdrawn_matter(client, scene, db, matter):
    m = getattr(scene, matter)
    if matter == "planned":  # a planned matter of a published catalogue is public
        assert client.get(f"/matters/{m.id}").status_code == 200
    response = _ask(client, m)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "门诊共济实施后" in html  # the text is kept
    assert "不在上述阶段" in html


def test_the_rate_limit_keeps_the_text(app, client, scene, db, monkeypatch):
    from consult.extensions import limiter

    monkeypatch.setitem(app.config, "QUESTION_RATE_LIMIT", "1 per minute")
    limiter.reset()
    assert _ask(client, scene.decided).status_code == 303
    response = _ask(client, scene.decided, body="第二个问题：异地就医门诊费用能否共济？")
    assert response.status_code == 429
    assert "第二个问题：异地就医门诊费用能否共济？" in response.get_data(as_text=True)
    limiter.reset()


def test_a_specialist_answers_on_the_web_and_another_department_cannot(app, scene, db):
    q = services.ask_question(scene.decided, question_data())
    db.session.commit()
    other = new_client(app)
    login(other, scene.other_officer)
    assert other.get(f"/manage/questions/{q.id}").status_code == 403
    colleague = new_client(app)
    login(colleague, scene.officer)  # of the lead department, not a specialist
    page = colleague.get(f"/manage/questions/{q.id}").get_data(as_text=True)
    assert PHONE in page  # staff see the contact
    response = post(
        colleague, f"/manage/questions/{q.id}", {"answer-answer": "可以共济使用。"}, prefix="answer"
    )
    assert response.status_code == 403
    assert q.answer is None
    specialist = new_client(app)
    login(specialist, scene.specialist)
    response = post(
        specialist, f"/manage/questions/{q.id}", {"answer-answer": "好的"}, prefix="answer"
    )
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "answer-answer")
    answer = "可以。个人账户可用于支付配偶、父母、子女的医疗费用。"
    response = post(
        specialist, f"/manage/questions/{q.id}", {"answer-answer": answer}, prefix="answer"
    )
    assert response.status_code == 302
    public = new_client(app).get(f"/matters/{scene.decided.id}").get_data(as_text=True)
    assert answer in public and "陈晓梅（东湖区医疗保障局）" in public


def test_the_matter_page_and_timeline_list_the_interpretations(app, scene, db):
    services.publish_follow_up(
        scene.decided,
        {"title": "门诊共济再解读：常见问题", "body": "一、备案。二、结算。", "forms": ["text"]},
        actor=scene.officer,
    )
    db.session.commit()
    visitor = new_client(app)
    page = visitor.get(f"/matters/{scene.decided.id}").get_data(as_text=True)
    assert "老旧小区停车设施改造实施办法》政策解读" in page
    assert "门诊共济再解读：常见问题" in page
    item = services.interpretations(scene.decided)[1]
    detail = visitor.get(f"/matters/{scene.decided.id}/interpretations/{item.id}")
    assert "一、备案。" in detail.get_data(as_text=True)
    assert visitor.get(f"/matters/{scene.decided.id}/interpretations/999999").status_code == 404
    feed = visitor.get("/feeds/interpretations.atom").get_data(as_text=True)
    assert "门诊共济再解读：常见问题" in feed
    data = visitor.get("/open-data/interpretations.json").get_json()
    assert data["total"] == 2


def test_the_decision_needs_its_interpretation_on_the_cli(app, scene, db):
    db.session.commit()
    runner = app.test_cli_runner()
    matter = scene.deliberating
    args = ["decide-matter", str(matter.id), "--date", "2026-11-02"]
    args += ["--document", "https://www.donghu.gov.cn/d/9.html"]
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert "政策解读" in result.output
    db.session.expire_all()
    assert matter.status == "deliberating"
    result = runner.invoke(
        args=[*args, "--title", "幼儿园收费标准调整解读", "--text", "一、调整内容。二、执行时间。"]
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert matter.status == "decided"
    assert services.interpretations(matter)[0].title == "幼儿园收费标准调整解读"


def test_responsiveness_figures_count_answers_and_overdue(app, scene, db, frozen):
    from datetime import UTC
    from datetime import datetime

    q1 = services.ask_question(scene.decided, question_data())
    services.ask_question(scene.decided, question_data(body="门诊慢特病的报销比例今年有没有变化？"))
    frozen(datetime(2026, 11, 4, 2, 0, tzinfo=UTC))
    services.answer_question(q1, "可以，家庭成员共济使用个人账户。", actor=scene.specialist)
    frozen(datetime(2026, 11, 20, 2, 0, tzinfo=UTC))
    db.session.commit()
    from consult.interpretation import figures

    (row,) = [r for r in figures.responsiveness(2026) if r["department"] == "东湖区医疗保障局"]
    assert (row["questions_received"], row["questions_answered"]) == (2, 1)
    assert row["median_days_to_answer"] == 2.0  # Monday → Wednesday
    assert row["questions_overdue"] == 1  # the other, unanswered after 16 November
    page = new_client(app).get("/responsiveness?year=2026").get_data(as_text=True)
    assert "东湖区医疗保障局" in page
    csv = new_client(app).get("/open-data/responsiveness.csv").get_data(as_text=True)
    assert "东湖区医疗保障局" in csv


@pytest.mark.parametrize("language", [None, "zh_Hant", "en"])
def test_the_askers_contact_never_reaches_a_public_page_feed_export_or_api(
    app, scene, db, language
):
    browser = new_client(app)
    response = post(
        browser,
        f"/matters/{scene.decided.id}/questions",
        {
            "body": "请问个人账户共济的家庭成员范围包括兄弟姐妹吗？",
            "author_name": HIDDEN_NAME,
            "contact": PHONE,
            "consent": "y",
        },
        environ_base={"REMOTE_ADDR": IP},
    )
    assert response.status_code == 303
    api = browser.post(
        f"/api/v1/decisions/{scene.consulting.id}/questions",
        json={**question_data(contact=EMAIL), "body": "托育机构建设标准何时公布？"},
        environ_base={"REMOTE_ADDR": IP},
    )
    assert api.status_code == 201, api.get_json()
    hidden = services.ask_question(
        scene.decided, question_data(contact=EMAIL, author_name=HIDDEN_NAME, show_name=True)
    )
    services.hide_question(hidden, "personal_data", actor=scene.officer)
    answered = services.ask_question(scene.decided, question_data(contact=PHONE), ip=IP)
    services.answer_question(answered, "可以，家庭成员共济使用个人账户。", actor=scene.specialist)
    db.session.commit()
    from sqlalchemy import select

    from consult.interpretation.models import Question

    questions = list(db.session.scalars(select(Question)))
    assert {q.contact for q in questions} == {PHONE, EMAIL}
    receipts = [q.receipt for q in questions]
    urls = [
        f"/matters/{scene.decided.id}",
        f"/matters/{scene.consulting.id}",
        f"/matters/{scene.decided.id}/questions",
        f"/matters/{scene.consulting.id}/questions",
        "/specialists",
        "/responsiveness",
        "/feeds/interpretations.atom",
        "/open-data",
        f"/api/v1/decisions/{scene.decided.id}",
        f"/api/v1/decisions/{scene.decided.id}/questions",
        f"/api/v1/decisions/{scene.consulting.id}/questions",
        *[f"/questions/{r}" for r in receipts],
        *[f"/api/v1/questions/{r}" for r in receipts],
        *[
            f"/open-data/{n}.{f}"
            for n in ("questions", "interpretations", "responsiveness")
            for f in ("csv", "json")
        ],
    ]
    visitor = new_client(app)
    if language:
        visitor.set_cookie("lang", language)
    private = [PHONE, EMAIL, IP, HIDDEN_NAME, to_traditional(HIDDEN_NAME)]
    for url in urls:
        response = visitor.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        if response.is_json:
            body += json.dumps(response.get_json(), ensure_ascii=False)
        leaked = [v for v in private if v in body]
        assert not leaked, (url, leaked)
    export = visitor.get("/open-data/questions.csv").get_data(as_text=True)
    assert all(r in export for r in receipts)  # the export does list every question


def test_responsiveness_counts_comments_answered_with_reasons_and_days_to_feedback(
    app, scene, db, frozen
):
    """Comments on a consultation that closed in the year: received, answered (a comment's own
    answer or its group's), the share with a reason, the days from closing to feedback."""
    from datetime import UTC
    from datetime import datetime
    from datetime import timedelta

    from consult.accounts.models import SYSTEM
    from consult.feedback import services as feedback
    from consult.interpretation import figures
    from tests.helpers import make_consultation
    from tests.helpers import submit

    opens = datetime(2026, 8, 3, 1, 0, tzinfo=UTC)
    frozen(opens)
    consultation = make_consultation(scene.consulting, opens)
    frozen(opens + timedelta(days=1))
    own = submit(consultation, body="建议托育机构优先设在社区服务中心内。")
    copies = [submit(consultation, body="建议延长托育机构的服务时间到晚上七点。") for _ in range(2)]
    frozen(consultation.closes_at + timedelta(days=2))
    feedback.dispose_comment(own, {"disposition": "adopted", "reason": ""}, actor=SYSTEM)
    db.session.refresh(copies[0])  # grouped by the service after it was stored
    assert copies[0].duplicate_group_id is not None
    feedback.answer_selection(
        consultation,
        {"group_id": copies[0].duplicate_group_id},
        {"disposition": "partly_adopted", "reason": "将结合运营成本，试点延长至晚上六点半。"},
        actor=SYSTEM,
    )
    frozen(consultation.closes_at + timedelta(days=5))
    feedback.publish_feedback(consultation, {"summary": "采纳和部分采纳三条意见。"}, actor=SYSTEM)
    db.session.commit()
    (row,) = [r for r in figures.responsiveness(2026) if r["department"] == "东湖区医疗保障局"]
    assert (row["comments_received"], row["comments_answered"]) == (3, 3)
    assert row["share_with_reasons"] == round(2 / 3, 4)
    assert row["median_days_to_feedback"] == 5.0
