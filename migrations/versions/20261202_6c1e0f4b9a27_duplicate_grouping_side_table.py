"""duplicate grouping at scale: band keys in a side table, stored group sizes and counts

The four two-value MinHash bands on every comment (its 8-value sketch, its fingerprint) give
way to one row per distinct text (`comment_text`: exact copies are found there) and to
twenty five-value band keys in `comment_band`, kept only for the comments that stand for
themselves or for their group (consult.comments.grouping). Groups store their size, each
consultation its comment counts (`comment_tally`). A comment is grouped a moment after it
is stored (`grouped_at`); `ix_comment_ungrouped` finds those waiting.

Every existing group is kept as it is: its size is counted once here, the distinct texts
and their band keys are computed, and the consultations' counts are taken; every existing comment counts as grouped when it was
submitted. Downgrading computes the old bands again. (The band keys come from
consult.comments.rules, whose hashing a test pins: should it ever change, this revision
must keep a copy of today's.)

Revision ID: 6c1e0f4b9a27
Revises: a2a7f827d9f3
Create Date: 2026-12-02 19:40:00

"""
import hashlib
import struct
import zlib

import sqlalchemy as sa
from alembic import op

from consult.comments import rules

# revision identifiers, used by Alembic.
revision = '6c1e0f4b9a27'
down_revision = 'a2a7f827d9f3'
branch_labels = None
depends_on = None

CHUNK = 2000


def upgrade():
    op.create_table('comment_band',
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_comment_band_comment_id_comment')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_comment_band_consultation_id_consultation')),
    sa.PrimaryKeyConstraint('consultation_id', 'key', name=op.f('pk_comment_band')),
    sqlite_with_rowid=False
    )
    op.create_table('comment_text',
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=40), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_comment_text_comment_id_comment')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_comment_text_consultation_id_consultation')),
    sa.PrimaryKeyConstraint('consultation_id', 'fingerprint', name=op.f('pk_comment_text')),
    sqlite_with_rowid=False
    )
    op.create_table('comment_tally',
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('comments', sa.Integer(), nullable=False),
    sa.Column('published', sa.Integer(), nullable=False),
    sa.Column('hidden', sa.Integer(), nullable=False),
    sa.CheckConstraint('published >= 0 AND hidden >= 0 AND published + hidden <= comments', name=op.f('ck_comment_tally_counts_consistent')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_comment_tally_consultation_id_consultation')),
    sa.PrimaryKeyConstraint('consultation_id', name=op.f('pk_comment_tally'))
    )
    with op.batch_alter_table('duplicate_group', schema=None) as batch_op:
        batch_op.add_column(sa.Column('size', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('published', sa.Integer(), nullable=False, server_default='0'))

    _backfill()

    with op.batch_alter_table('duplicate_group', schema=None) as batch_op:
        batch_op.alter_column('size', server_default=None)
        batch_op.alter_column('published', server_default=None)
        batch_op.create_check_constraint('size_not_negative', 'size >= 0')
        batch_op.create_check_constraint('published_within_size', 'published >= 0 AND published <= size')

    # Native statements, not a batch: SQLite drops columns in place (3.35+) instead of
    # copying a table of a million comments.
    for index in ('ix_comment_band0', 'ix_comment_band1', 'ix_comment_band2', 'ix_comment_band3', 'ix_comment_consultation_id', 'ix_comment_consultation_fingerprint', 'ix_comment_duplicate_group_id'):
        op.drop_index(index, table_name='comment')
    for column in ('band0', 'band1', 'band2', 'band3', 'minhash', 'fingerprint'):
        op.drop_column('comment', column)
    op.add_column('comment', sa.Column('grouped_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE comment SET grouped_at = submitted_at")
    op.create_index('ix_comment_consultation', 'comment', ['consultation_id', 'id'], unique=False)
    op.create_index('ix_comment_group', 'comment', ['duplicate_group_id', 'status', 'id'], unique=False)
    op.create_index('ix_comment_listing', 'comment', ['consultation_id', 'submitted_at', 'id', 'status'], unique=False)
    op.create_index('ix_comment_ungrouped', 'comment', ['consultation_id', 'id'], unique=False, sqlite_where=sa.text('grouped_at IS NULL'), postgresql_where=sa.text('grouped_at IS NULL'))


def _backfill():
    conn = op.get_bind()
    conn.execute(sa.text(
        "UPDATE duplicate_group SET size = "
        "(SELECT count(*) FROM comment WHERE comment.duplicate_group_id = duplicate_group.id), "
        "published = (SELECT count(*) FROM comment WHERE comment.duplicate_group_id = "
        "duplicate_group.id AND comment.status = 'published')"
    ))
    conn.execute(sa.text(
        "INSERT INTO comment_text (consultation_id, fingerprint, comment_id) "
        "SELECT consultation_id, fingerprint, min(id) FROM comment "
        "GROUP BY consultation_id, fingerprint"
    ))
    conn.execute(sa.text(
        "INSERT INTO comment_tally (consultation_id, comments, published, hidden) "
        "SELECT consultation.id, "
        "(SELECT count(*) FROM comment c WHERE c.consultation_id = consultation.id), "
        "(SELECT count(*) FROM comment c WHERE c.consultation_id = consultation.id "
        " AND c.status = 'published'), "
        "(SELECT count(*) FROM comment c WHERE c.consultation_id = consultation.id "
        " AND c.status = 'hidden') "
        "FROM consultation"
    ))
    # Each distinct text's band keys that no earlier comment had, as the grouping would have
    # stored them.
    held: set[tuple[int, int]] = set()
    texts: set[tuple[int, str]] = set()
    last = 0
    band = sa.text(
        "INSERT INTO comment_band (consultation_id, key, comment_id) VALUES (:c, :k, :id)"
    )
    while True:
        rows = conn.execute(
            sa.text(
                "SELECT id, consultation_id, body, fingerprint FROM comment "
                "WHERE id > :last ORDER BY id LIMIT :n"
            ),
            {"last": last, "n": CHUNK},
        ).all()
        if not rows:
            break
        keys = []
        for row in rows:
            if (row.consultation_id, row.fingerprint) in texts:
                continue
            texts.add((row.consultation_id, row.fingerprint))
            _, row_keys = rules.text_keys(rules.normalise(row.body))
            for k in row_keys:
                if (row.consultation_id, k) not in held:
                    held.add((row.consultation_id, k))
                    keys.append({"c": row.consultation_id, "k": k, "id": row.id})
        if keys:
            conn.execute(band, keys)
        last = rows[-1].id


# --- the bands before this revision, for downgrade() ---------------------------------------

_PRIME = (1 << 61) - 1
_COEFFS = tuple(
    (
        int.from_bytes(hashlib.sha256(f"consult-minhash-a{i}".encode()).digest()[:8]) % _PRIME | 1,
        int.from_bytes(hashlib.sha256(f"consult-minhash-b{i}".encode()).digest()[:8]) % _PRIME,
    )
    for i in range(8)
)


def _old_bands(body: str) -> dict:
    normalised = rules.normalise(body)
    if len(normalised) <= 3:
        shingle_set = {normalised}
    else:
        shingle_set = {normalised[i : i + 3] for i in range(len(normalised) - 2)}
    hashes = [zlib.crc32(s.encode()) for s in shingle_set]
    mins = tuple(min([(a * h + b) % _PRIME for h in hashes]) & 0xFFFFFFFF for a, b in _COEFFS)
    bands = [zlib.crc32(struct.pack(">2I", *mins[b * 2 : b * 2 + 2])) for b in range(4)]
    return {
        "fp": rules.fingerprint(normalised),
        **{f"b{i}": bands[i] for i in range(4)},
        "mh": struct.pack(">8I", *mins),
    }


def downgrade():
    op.drop_index('ix_comment_ungrouped', table_name='comment', sqlite_where=sa.text('grouped_at IS NULL'), postgresql_where=sa.text('grouped_at IS NULL'))
    op.drop_index('ix_comment_listing', table_name='comment')
    op.drop_index('ix_comment_consultation', table_name='comment')
    op.drop_index('ix_comment_group', table_name='comment')
    op.create_index('ix_comment_duplicate_group_id', 'comment', ['duplicate_group_id'], unique=False)
    op.add_column('comment', sa.Column('minhash', sa.LargeBinary(length=32), nullable=True))
    for column in ('fingerprint', 'band0', 'band1', 'band2', 'band3'):
        # NOT NULL once filled in below; SQLite adds a NOT NULL column only with a default.
        kind = sa.String(length=40) if column == 'fingerprint' else sa.BigInteger()
        op.add_column('comment', sa.Column(column, kind, nullable=False, server_default='0'))

    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(
            sa.text("SELECT id, body FROM comment WHERE id > :last ORDER BY id LIMIT :n"),
            {"last": last, "n": CHUNK},
        ).all()
        if not rows:
            break
        conn.execute(
            sa.text(
                "UPDATE comment SET fingerprint = :fp, band0 = :b0, band1 = :b1, band2 = :b2, "
                "band3 = :b3, minhash = :mh WHERE id = :id"
            ),
            [{"id": row.id, **_old_bands(row.body)} for row in rows],
        )
        last = rows[-1].id
    op.drop_column('comment', 'grouped_at')
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.alter_column('fingerprint', existing_type=sa.String(length=40), server_default=None)
        for column in ('band0', 'band1', 'band2', 'band3'):
            batch_op.alter_column(column, existing_type=sa.BigInteger(), server_default=None)
    op.create_index('ix_comment_consultation_id', 'comment', ['consultation_id'], unique=False)
    op.create_index('ix_comment_consultation_fingerprint', 'comment', ['consultation_id', 'fingerprint'], unique=False)
    for i in range(4):
        op.create_index(f'ix_comment_band{i}', 'comment', ['consultation_id', f'band{i}'], unique=False)

    with op.batch_alter_table('duplicate_group', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_duplicate_group_published_within_size'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_duplicate_group_size_not_negative'), type_='check')
        batch_op.drop_column('published')
        batch_op.drop_column('size')

    op.drop_table('comment_tally')
    op.drop_table('comment_text')
    op.drop_table('comment_band')
