"""on-site check-in by venue code; applying to the representative pool without an account

Every meeting gets the secret its venue code is made from (meetings.rules): existing meetings
get a fresh random one here. An application may come without an account: it then carries the
applicant's name and (private) email address; every application gets a receipt number
(SQ-<year>-XXXX-XXXX), existing ones too. Downgrading drops the secrets and receipts; it is
refused while an application without an account exists, whose applicant the old schema
could not hold.

Revision ID: b7e4d2a91c05
Revises: b41d7e2c9a10
Create Date: 2026-12-03 10:00:00

"""
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b7e4d2a91c05'
down_revision = 'b41d7e2c9a10'
branch_labels = None
depends_on = None

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # consult.core.ids, as of this revision


def _receipt(year: int) -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"SQ-{year:04d}-{chars[:4]}-{chars[4:]}"


def upgrade():
    conn = op.get_bind()
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('venue_secret', sa.String(length=64), nullable=True))
    meeting = sa.table('meeting', sa.column('id', sa.Integer), sa.column('venue_secret', sa.String))
    for (meeting_id,) in conn.execute(sa.select(meeting.c.id)).all():
        conn.execute(
            meeting.update().where(meeting.c.id == meeting_id).values(venue_secret=secrets.token_hex(20))
        )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.alter_column('venue_secret', existing_type=sa.String(length=64), nullable=False)

    with op.batch_alter_table('representative_application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receipt', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('name', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_representative_application_receipt'), ['receipt'])
        batch_op.create_index(batch_op.f('ix_representative_application_email'), ['email'], unique=False)
        batch_op.create_check_constraint(
            'applicant_known',
            "user_id IS NOT NULL OR (length(trim(coalesce(name, ''))) > 0 AND email IS NOT NULL)",
        )
    application = sa.table(
        'representative_application',
        sa.column('id', sa.Integer),
        sa.column('receipt', sa.String),
        sa.column('submitted_at', sa.DateTime),
    )
    for app_id, submitted in conn.execute(sa.select(application.c.id, application.c.submitted_at)).all():
        year = submitted.year if hasattr(submitted, 'year') else int(str(submitted)[:4])
        conn.execute(application.update().where(application.c.id == app_id).values(receipt=_receipt(year)))


def downgrade():
    conn = op.get_bind()
    anonymous = conn.execute(
        sa.text('SELECT count(*) FROM representative_application WHERE user_id IS NULL')
    ).scalar()
    if anonymous:
        raise RuntimeError(
            f"{anonymous} application(s) were made without an account; the older schema cannot "
            "hold them. Decide or remove them first."
        )
    with op.batch_alter_table('representative_application', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_representative_application_applicant_known'), type_='check')
        batch_op.drop_index(batch_op.f('ix_representative_application_email'))
        batch_op.drop_constraint(batch_op.f('uq_representative_application_receipt'), type_='unique')
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('email')
        batch_op.drop_column('name')
        batch_op.drop_column('receipt')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('venue_secret')
