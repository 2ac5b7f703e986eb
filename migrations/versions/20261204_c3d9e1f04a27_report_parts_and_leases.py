"""feedback reports rendered in parts by any worker: leases and the parts table

A report being rendered holds a lease (`lease_until`, renewed while its renderer lives) and,
while RQ jobs render its parts, its plan; each part (`feedback_report_part`) has a lease of
its own, so that a part whose worker died is taken over by another.

Revision ID: c3d9e1f04a27
Revises: f9599604a75f
Create Date: 2026-12-04 03:30:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c3d9e1f04a27'
down_revision = 'f9599604a75f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('feedback_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column('attempts', sa.Integer(), nullable=False, server_default='0')
        )
        batch_op.add_column(sa.Column('plan', sa.JSON(), nullable=True))
        batch_op.create_check_constraint('attempts_not_negative', 'attempts >= 0')
    with op.batch_alter_table('feedback_report', schema=None) as batch_op:
        batch_op.alter_column('attempts', server_default=None)
    op.create_table(
        'feedback_report_part',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('spec', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('job_id', sa.String(length=100), nullable=True),
        sa.Column('worker', sa.String(length=200), nullable=True),
        sa.Column('storage_key', sa.String(length=200), nullable=True),
        sa.Column('pages', sa.Integer(), nullable=True),
        sa.Column('bookmarks', sa.JSON(), nullable=True),
        sa.CheckConstraint('attempts >= 0', name=op.f('ck_feedback_report_part_attempts_not_negative')),
        sa.CheckConstraint(
            "status <> 'done' OR (storage_key IS NOT NULL AND pages IS NOT NULL)",
            name=op.f('ck_feedback_report_part_done_has_file'),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'rendering', 'done')",
            name=op.f('ck_feedback_report_part_status_known'),
        ),
        sa.ForeignKeyConstraint(
            ['report_id'], ['feedback_report.id'],
            name=op.f('fk_feedback_report_part_report_id_feedback_report'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_report_part')),
        sa.UniqueConstraint('report_id', 'number', name='uq_feedback_report_part_report_number'),
    )
    with op.batch_alter_table('feedback_report_part', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_report_part_report_id'), ['report_id'], unique=False)


def downgrade():
    with op.batch_alter_table('feedback_report_part', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_report_part_report_id'))
    op.drop_table('feedback_report_part')
    with op.batch_alter_table('feedback_report', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_feedback_report_attempts_not_negative'), type_='check')
        batch_op.drop_column('plan')
        batch_op.drop_column('attempts')
        batch_op.drop_column('lease_until')
