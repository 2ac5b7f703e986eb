"""/api/v1: interpretations of decisions, questions and their answers."""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l

from consult.api import api_actor
from consult.api import bp
from consult.api import listed
from consult.api import staff_required
from consult.api.spec import operation
from consult.catalogue import services as catalogue
from consult.core.errors import NotFound
from consult.core.errors import found
from consult.core.schemas import PageQuery
from consult.core.schemas import page_of
from consult.core.time import local_today
from consult.extensions import db
from consult.interpretation import rules
from consult.interpretation import schemas
from consult.interpretation import services
from consult.interpretation.limits import question_limits
from consult.interpretation.models import Question

MATTER = {"matter_id": "Decision matter"}
QUESTION = {"question_id": "Question (its `id`)"}
QuestionPage = page_of(schemas.Question)


def _published_matter(matter_id: int):
    matter = catalogue.get_matter(matter_id)
    if not matter.is_published:
        raise NotFound(_l("No such decision matter."))
    return matter


@bp.get("/decisions/<int:matter_id>/questions")
@operation(
    "Published questions on a matter, with their answers",
    "questions",
    query=PageQuery,
    responses={200: QuestionPage},
    params=MATTER,
    description="Newest first. Withheld questions are not listed.",
)
def list_questions(matter_id: int, query: PageQuery):
    matter = _published_matter(matter_id)
    result = db.paginate(
        services.public_questions(matter),
        page=query.page,
        per_page=query.per_page,
        error_out=False,
        count=True,
    )
    sizes = services.group_sizes(result.items)
    today = local_today()
    return listed(
        [
            services.question_record(q, today=today, group_size=sizes.get(q.group_id))
            for q in result.items
        ],
        result.total,
        query.page,
        query.per_page,
    )


@bp.post("/decisions/<int:matter_id>/questions")
@question_limits
@operation(
    "Ask a question on a consulting or decided matter (一号答)",
    "questions",
    body=schemas.QuestionInput,
    responses={201: schemas.QuestionTaken},
    errors=(429,),
    params=MATTER,
    description="No account needed. Answered by a policy specialist of the lead department "
    f"within the answering period ({rules.ANSWER_WORKING_DAYS} working days unless the "
    "deployment sets another). Rate-limited per address, together with the web form.",
)
def ask_question(matter_id: int, body: schemas.QuestionInput):
    matter = _published_matter(matter_id)
    question = services.ask_question(matter, body.model_dump(), ip=request.remote_addr)
    db.session.commit()
    return schemas.QuestionTaken(
        receipt=question.receipt, submitted_at=question.submitted_at
    ).record(), 201


@bp.get("/questions/<number>")
@operation(
    "Follow a question by its receipt number",
    "questions",
    responses={200: schemas.QuestionReceipt},
    params={"number": "Receipt number (spaces and case do not matter)"},
)
def get_question(number: str):
    return services.receipt_record(services.find_by_receipt(number), today=local_today())


@bp.post("/decisions/<int:matter_id>/interpretations")
@staff_required
@operation(
    "Publish a follow-up interpretation of a decided matter",
    "questions",
    body=schemas.InterpretationInput,
    responses={201: schemas.Interpretation},
    params=MATTER,
    description="The interpretation published with the decision comes with the status change "
    "(PATCH /decisions/{matter_id} with status decided and `interpretation`).",
)
def publish_interpretation(matter_id: int, body: schemas.InterpretationInput):
    matter = catalogue.get_matter(matter_id)
    item = services.publish_follow_up(matter, body.model_dump(), actor=api_actor())
    db.session.commit()
    return services.interpretation_record(item), 201


def _question(question_id: int) -> Question:
    return found(db.session.get(Question, question_id), _l("No such question."))


@bp.post("/questions/<int:question_id>/answer")
@staff_required
@operation(
    "Answer a question (a policy specialist of the lead department)",
    "questions",
    body=schemas.AnswerInput,
    responses={200: schemas.Question},
    params=QUESTION,
)
def answer_question(question_id: int, body: schemas.AnswerInput):
    question = _question(question_id)
    services.answer_question(question, body.answer, actor=api_actor(), whole_group=body.whole_group)
    db.session.commit()
    return services.question_record(question, today=local_today())


@bp.post("/questions/<int:question_id>/hide")
@staff_required
@operation(
    "Withhold a question, with a recorded reason",
    "questions",
    body=schemas.HideInput,
    responses={200: schemas.QuestionReceipt},
    params=QUESTION,
    description="Nothing a resident submitted is deleted: moderation hides.",
)
def hide_question(question_id: int, body: schemas.HideInput):
    question = _question(question_id)
    services.hide_question(question, body.reason, body.note, actor=api_actor())
    db.session.commit()
    return services.receipt_record(question, today=local_today())
