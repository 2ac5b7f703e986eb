"""a matter can be postponed into the next year's catalogue

A new kind of catalogue adjustment, 'postponement', which records the year the matter left
(`from_year`), so that the catalogue it was published in keeps listing it.

Revision ID: b41d7e2c9a10
Revises: 6c1e0f4b9a27
Create Date: 2026-12-03 18:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b41d7e2c9a10'
down_revision = '6c1e0f4b9a27'
branch_labels = None
depends_on = None

KINDS_BEFORE = "kind IN ('addition', 'change', 'withdrawal')"
KINDS_AFTER = "kind IN ('addition', 'change', 'withdrawal', 'postponement')"


def upgrade():
    with op.batch_alter_table('catalogue_adjustment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('from_year', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_catalogue_adjustment_from_year'), ['from_year'], unique=False)
        batch_op.drop_constraint(op.f('ck_catalogue_adjustment_kind_known'), type_='check')
        batch_op.create_check_constraint('kind_known', KINDS_AFTER)
        batch_op.create_check_constraint(
            'postponement_has_year', "(kind = 'postponement') = (from_year IS NOT NULL)"
        )


def downgrade():
    # A postponed matter stays in the year it moved to; its adjustment reads as a change.
    op.execute(
        "UPDATE catalogue_adjustment SET kind = 'change' WHERE kind = 'postponement'"
    )
    with op.batch_alter_table('catalogue_adjustment', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_catalogue_adjustment_postponement_has_year'), type_='check')
        batch_op.drop_constraint(op.f('ck_catalogue_adjustment_kind_known'), type_='check')
        batch_op.create_check_constraint('kind_known', KINDS_BEFORE)
        batch_op.drop_index(batch_op.f('ix_catalogue_adjustment_from_year'))
        batch_op.drop_column('from_year')
