"""answering at scale: drafted answers, assignment to officers, department heads, and the
answer-progress tally

A comment's answer may be a draft (answer_draft) waiting for confirmation, and a comment may be
assigned to an officer; a department's officer may be its head (department_head), who shares
the work out. answer_progress keeps, per consultation, clause and assigned officer, how many
comments there are and how many are drafted and answered, so that no page counts a million
rows; it is filled here from the comments the grouping has taken in (the grouping keeps it from
now on). New indexes serve the workspace's filters.

Revision ID: c3f1a8d25e60
Revises: b7e4d2a91c05
Create Date: 2026-12-04 03:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c3f1a8d25e60'
down_revision = 'b7e4d2a91c05'
branch_labels = None
depends_on = None

UNANSWERED = sa.text('disposition IS NULL')
ASSIGNED = sa.text('assigned_to_id IS NOT NULL')


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('department_head', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_check_constraint('head_is_officer', "role = 'officer' OR NOT department_head")

    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('answer_draft', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column('assigned_to_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_comment_assigned_to_id_user'), 'user', ['assigned_to_id'], ['id']
        )
        batch_op.create_check_constraint(
            'draft_is_answer', 'disposition IS NOT NULL OR NOT answer_draft'
        )
        batch_op.create_index(
            'ix_comment_unanswered', ['consultation_id', 'id'], unique=False,
            sqlite_where=UNANSWERED, postgresql_where=UNANSWERED,
        )
        batch_op.create_index('ix_comment_clause', ['consultation_id', 'clause_id', 'id'], unique=False)
        batch_op.create_index('ix_comment_members', ['duplicate_group_id', 'id'], unique=False)
        batch_op.create_index(
            'ix_comment_assignee', ['assigned_to_id', 'consultation_id', 'id'], unique=False,
            sqlite_where=ASSIGNED, postgresql_where=ASSIGNED,
        )
        batch_op.create_index(
            'ix_comment_group_unanswered', ['duplicate_group_id'], unique=False,
            sqlite_where=UNANSWERED, postgresql_where=UNANSWERED,
        )

    op.create_table(
        'answer_progress',
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('clause_key', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('assignee_key', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('comments', sa.Integer(), nullable=False),
        sa.Column('drafted', sa.Integer(), nullable=False),
        sa.Column('answered', sa.Integer(), nullable=False),
        sa.CheckConstraint(
            'drafted >= 0 AND answered >= 0 AND drafted + answered <= comments',
            name=op.f('ck_answer_progress_counts_consistent'),
        ),
        sa.ForeignKeyConstraint(
            ['consultation_id'], ['consultation.id'],
            name=op.f('fk_answer_progress_consultation_id_consultation'),
        ),
        sa.PrimaryKeyConstraint(
            'consultation_id', 'clause_key', 'assignee_key', name=op.f('pk_answer_progress')
        ),
    )
    op.execute(
        "INSERT INTO answer_progress "
        "(consultation_id, clause_key, assignee_key, comments, drafted, answered) "
        "SELECT consultation_id, coalesce(clause_id, 0), 0, count(*), 0, count(disposition) "
        "FROM comment WHERE grouped_at IS NOT NULL GROUP BY consultation_id, coalesce(clause_id, 0)"
    )


def downgrade():
    op.drop_table('answer_progress')
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_group_unanswered')
        batch_op.drop_index('ix_comment_assignee')
        batch_op.drop_index('ix_comment_members')
        batch_op.drop_index('ix_comment_clause')
        batch_op.drop_index('ix_comment_unanswered')
        batch_op.drop_constraint(batch_op.f('ck_comment_draft_is_answer'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_comment_assigned_to_id_user'), type_='foreignkey')
        batch_op.drop_column('assigned_to_id')
        batch_op.drop_column('answer_draft')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_user_head_is_officer'), type_='check')
        batch_op.drop_column('department_head')
