"""comment minhash sketch

Each comment keeps its 8-value MinHash (32 bytes) so that the duplicate search can sort out
chance band candidates without reading and re-normalising their texts. Comments stored before
have none and are compared by their text, as before: nothing to backfill.

Revision ID: a2a7f827d9f3
Revises: f915e9c9897b
Create Date: 2026-11-28 03:16:19.645699

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a2a7f827d9f3'
down_revision = 'f915e9c9897b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('minhash', sa.LargeBinary(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_column('minhash')
