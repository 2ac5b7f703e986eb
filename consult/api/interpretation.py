"""/api/v1: interpretations of decisions, questions and their answers."""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l

from consult.api import api_actor
from consult.api import bp
from consult.api import listed
from consult.api import operations
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

operation = operations("questions")

QuestionPage = page_of(schemas.Question)


def _published_matter(matter_id: int):
    matter = catalogue.get_matter(matter_id)
    if not matter.is_published:
        raise NotFound(_l("No such decision matter."))
    return matter


@bp.get("/decisions/<int:matter_id>/questions")
@operation({200: QuestionPage})
def list_questions(matter_id: int, query: PageQuery):
    """Published questions on a matter, with their answers

    Newest first. Withheld questions are not listed."""
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
    {201: schemas.QuestionTaken},
    errors=(429,),
    description="No account needed. Answered by a policy specialist of the lead department "
    f"within the answering period ({rules.ANSWER_WORKING_DAYS} working days unless the "
    "deployment sets another). Rate-limited per address, together with the web form.",
)
def ask_question(matter_id: int, body: schemas.QuestionInput):
    """Ask a question on a consulting or decided matter (一号答)"""
    matter = _published_matter(matter_id)
    question = services.ask_question(matter, body.model_dump(), ip=request.remote_addr)
    db.session.commit()
    return schemas.QuestionTaken(
        receipt=question.receipt, submitted_at=question.submitted_at
    ).record(), 201


@bp.get("/questions/<number>")
@operation({200: schemas.QuestionReceipt})
def get_question(number: str):
    """Follow a question by its receipt number"""
    return services.receipt_record(services.find_by_receipt(number), today=local_today())


@bp.post("/decisions/<int:matter_id>/interpretations")
@operation({201: schemas.Interpretation}, access="staff")
def publish_interpretation(matter_id: int, body: schemas.InterpretationInput):
    """Publish a follow-up interpretation of a decided matter

    The interpretation published with the decision comes with the status change (PATCH
    /decisions/{matter_id} with status decided and `interpretation`)."""
    matter = catalogue.get_matter(matter_id)
    item = services.publish_follow_up(matter, body.model_dump(), actor=api_actor())
    db.session.commit()
    return services.interpretation_record(item), 201


def _question(question_id: int) -> Question:
    return found(db.session.get(Question, question_id), _l("No such question."))


@bp.post("/questions/<int:question_id>/answer")
@operation({200: schemas.Question}, access="staff")
def answer_question(question_id: int, body: schemas.AnswerInput):
    """Answer a question (a policy specialist of the lead department)"""
    question = _question(question_id)
    services.answer_question(question, body.answer, actor=api_actor(), whole_group=body.whole_group)
    db.session.commit()
    return services.question_record(question, today=local_today())


@bp.post("/questions/<int:question_id>/hide")
@operation({200: schemas.QuestionReceipt}, access="staff")
def hide_question(question_id: int, body: schemas.HideInput):
    """Withhold a question, with a recorded reason

    Nothing a resident submitted is deleted: moderation hides."""
    question = _question(question_id)
    services.hide_question(question, body.reason, body.note, actor=api_actor())
    db.session.commit()
    return services.receipt_record(question, today=local_today())
