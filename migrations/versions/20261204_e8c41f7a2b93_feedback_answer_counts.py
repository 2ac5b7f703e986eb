"""feedback answer counts: a consultation's answered comments and those with a reason, counted
when its feedback is published (the responsiveness figures read them, not the comments)

Filled here for the feedback already published, in one statement per count.

Revision ID: e8c41f7a2b93
Revises: 07523cc4fc00
Create Date: 2026-12-04 20:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e8c41f7a2b93'
down_revision = '07523cc4fc00'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('feedback_answered', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('feedback_with_reason', sa.Integer(), nullable=True))
    # A comment's answer is its own, else its group's.
    reason = (
        "CASE WHEN c.disposition IS NOT NULL THEN c.disposition_reason "
        "ELSE g.disposition_reason END"
    )
    answered = "(c.disposition IS NOT NULL OR g.disposition IS NOT NULL)"
    source = (
        "FROM comment c LEFT JOIN duplicate_group g ON g.id = c.duplicate_group_id "
        "WHERE c.consultation_id = consultation.id AND " + answered
    )
    op.execute(
        "UPDATE consultation SET "
        f"feedback_answered = (SELECT count(*) {source}), "
        f"feedback_with_reason = (SELECT count(*) {source} "
        f"AND length(trim(coalesce({reason}, ''))) > 0) "
        "WHERE feedback_published_at IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_column('feedback_with_reason')
        batch_op.drop_column('feedback_answered')
