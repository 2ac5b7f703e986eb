"""Comment rules: what a comment may contain, and how near-duplicates are recognised."""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import timedelta

import numpy as np
from flask_babel import lazy_gettext as _l

from consult.comments.models import CommentSource
from consult.comments.models import CommentStatus
from consult.comments.models import HideReason
from consult.comments.models import ImportStatus
from consult.core import values
from consult.core.errors import RuleViolation
from consult.core.labels import labels_by_kind

BODY_MIN = 10
BODY_MAX = 5000
NAME_MAX = 50
CONTACT_MAX = 100
NOTE_MAX = 1000  # a moderator's note
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
SHINGLE = 3
DUPLICATE_THRESHOLD = 0.7  # Jaccard similarity of character shingles

SOURCE_LABELS, STATUS_LABELS, HIDE_REASON_LABELS, IMPORT_STATUS_LABELS = labels_by_kind(
    (
        CommentSource,
        CommentStatus,
        HideReason,
        ImportStatus,
    ),
    {
        CommentSource.ONLINE: _l("Online"),
        CommentSource.SYMPOSIUM: _l("Symposium"),
        CommentSource.HEARING: _l("Hearing"),
        CommentSource.FIELD_VISIT: _l("Field visit"),
        CommentSource.HOTLINE: _l("12345 hotline"),
        CommentSource.LETTER: _l("Letter"),
        CommentSource.MAILBOX: _l("Mailbox"),
        CommentSource.MEETING: _l("Government meeting"),
        CommentStatus.RECEIVED: _l("Received"),
        CommentStatus.PUBLISHED: _l("Published"),
        CommentStatus.HIDDEN: _l("Withheld by moderation"),
        HideReason.ABUSIVE: _l("Abusive language"),
        HideReason.PERSONAL_DATA: _l("Contains personal data"),
        HideReason.SPAM: _l("Spam or advertising"),
        HideReason.OFF_TOPIC: _l("Off topic"),
        ImportStatus.CHECKING: _l("Being checked"),
        ImportStatus.CHECKED: _l("Checked: waiting for your go-ahead"),
        ImportStatus.REFUSED: _l("Not imported: rows have problems"),
        ImportStatus.IMPORTING: _l("Being imported"),
        ImportStatus.IMPORTED: _l("Imported"),
        ImportStatus.FAILED: _l("Stopped by an error"),
    },
)

OFFLINE_SOURCES = tuple(s.value for s in CommentSource if s != CommentSource.ONLINE)

# --- importing a file of comments (comments.intake reads it, comments.imports runs it) -----
# The sources a department's staff import from a file in the browser: the records they
# gather offline. (The command line also imports another platform's online comments.)
IMPORT_SOURCES = tuple(
    s.value
    for s in (
        CommentSource.HOTLINE,
        CommentSource.LETTER,
        CommentSource.MAILBOX,
        CommentSource.SYMPOSIUM,
        CommentSource.HEARING,
        CommentSource.FIELD_VISIT,
    )
)
# The largest file (a 100,000-row hotline export in UTF-8 is ~50 MB; in GB18030 or XLSX,
# less) and the most rows a file may hold. The form, the service and the page state these.
MAX_IMPORT_BYTES = 64 * 1024 * 1024
MAX_IMPORT_ROWS = 200_000
# An XLSX file is a zip: the most its parts may unpack to (a zip bomb stops here).
MAX_IMPORT_UNPACKED_BYTES = 8 * MAX_IMPORT_BYTES
# What the preview shows: the first rows as read, and at most this many row errors.
IMPORT_PREVIEW_ROWS = 10
IMPORT_LISTED_ERRORS = 500
# A job may run this long (the largest file takes a few minutes); one not heard from for
# longer has stopped (a worker that died), and staff may start it again.
IMPORT_JOB_TIMEOUT = timedelta(minutes=20)
IMPORT_STALLED_AFTER = timedelta(minutes=25)


_has_control_chars = values.unstorable


def _as_text(value, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RuleViolation(field, _l("Enter text."))
    return value


def clean_body(body: str | None) -> str:
    text = _as_text(body, "body").replace("\r\n", "\n").strip()
    if len(text) < BODY_MIN:
        raise RuleViolation("body", _l("Write at least %(n)d characters.", n=BODY_MIN))
    if len(text) > BODY_MAX:
        raise RuleViolation(
            "body", _l("At most %(n)d characters (you wrote %(m)d).", n=BODY_MAX, m=len(text))
        )
    if _has_control_chars(text):
        raise RuleViolation("body", _l("The text contains characters that cannot be stored."))
    return text


def clean_name(name: str | None) -> str:
    text = " ".join(_as_text(name, "author_name").split())
    if not text:
        raise RuleViolation("author_name", _l("Enter your name."))
    if len(text) > NAME_MAX:
        raise RuleViolation("author_name", _l("At most %(n)d characters.", n=NAME_MAX))
    if _has_control_chars(text):
        raise RuleViolation(
            "author_name", _l("The name contains characters that cannot be stored.")
        )
    return text


def clean_contact(contact: str | None) -> str | None:
    text = _as_text(contact, "contact").strip()
    if not text:
        return None
    if len(text) > CONTACT_MAX:
        raise RuleViolation("contact", _l("At most %(n)d characters.", n=CONTACT_MAX))
    if _has_control_chars(text):
        raise RuleViolation("contact", _l("The text contains characters that cannot be stored."))
    digits = sum(ch.isdigit() for ch in text)
    if "@" not in text and digits < 5:
        raise RuleViolation(
            "contact", _l("Enter a phone number or an email address, or leave it empty.")
        )
    return text


# --- near-duplicate detection ------------------------------------------------------------
#
# A comment is a copy of another when their normalised texts are equal (same fingerprint,
# found by an index) or when the Jaccard similarity of their 3-character shingles is at least
# DUPLICATE_THRESHOLD (a campaign letter with a personal opening or closing). Near copies are
# found by locality-sensitive hashing: a MinHash of NUM_PERM values, cut into BANDS bands of
# BAND_ROWS values; each band hashes to one key, and each key is stored once, for the first
# comment that had it, in an indexed side table (comment_band). Two texts of similarity s
# share at least one key with probability 1 - (1 - s^5)^20: 0.975 at 0.7, 0.9998 at 0.85,
# 0.47 at 0.5, and ~1e-4 for two comments on one topic (s ≈ 0.06 on average, with a tail).
# A lookup reads at most BANDS rows (one holder a key), and at most CANDIDATES texts are
# compared exactly, whatever the consultation's size. (bench/README.md has the measurements.)

_SKIP_CATEGORIES = ("P", "S", "Z", "C")
NUM_PERM = 100
BAND_ROWS = 5
BANDS = NUM_PERM // BAND_ROWS
# Candidates whose texts are compared with a new comment, most shared keys first.
CANDIDATES = 8

# Multiply-add-shift hashing of each packed shingle, ((a·x + b) mod 2⁶⁴) >> 32 with odd
# a (Dietzfelbinger's strongly universal family; the wrap-around is the point), with fixed,
# published coefficients: the same text gives the same keys in every process, every
# deployment and every version (a test pins them).


def _coefficient(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8])


_A = np.array([_coefficient(f"consult-lsh-a{i}") | 1 for i in range(NUM_PERM)], dtype=np.uint64)
_B = np.array([_coefficient(f"consult-lsh-b{i}") for i in range(NUM_PERM)], dtype=np.uint64)
_SHIFT = np.uint64(32)
_SHIFT_21 = np.uint64(21)
_SHIFT_42 = np.uint64(42)


class _DropTable(dict):
    """A str.translate table that drops punctuation, symbols, separators and control
    characters and keeps the rest, filled in as characters are met (a character's category is
    looked up once per process, not once per character of every comment)."""

    LIMIT = 65536  # beyond this many distinct characters, stop remembering

    def __missing__(self, code: int) -> int | None:
        value = None if unicodedata.category(chr(code)).startswith(_SKIP_CATEGORIES) else code
        if len(self) < self.LIMIT:
            self[code] = value
        return value


_DROP = _DropTable()


def normalise(text: str) -> str:
    """Compare meaning, not layout: NFKC (full-width → half-width), lower case, and no
    punctuation, symbols or spaces."""
    return unicodedata.normalize("NFKC", text).lower().translate(_DROP)


def shingles(normalised: str) -> np.ndarray:
    """The text's distinct 3-character shingles, each packed exactly into one integer (three
    21-bit code points), sorted. A text shorter than a shingle is one shingle, padded."""
    codes = np.frombuffer(normalised.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(codes) < SHINGLE:
        codes = np.concatenate([codes, np.zeros(SHINGLE - len(codes), dtype=np.uint64)])
    packed = (codes[:-2] << _SHIFT_42) | (codes[1:-1] << _SHIFT_21) | codes[2:]
    return np.unique(packed)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two shingle arrays (as `shingles` gives them)."""
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / (len(a) + len(b) - common)


def fingerprint(normalised: str) -> str:
    return hashlib.sha1(normalised.encode()).hexdigest()


def minhash(shingle_array: np.ndarray) -> np.ndarray:
    """NUM_PERM MinHash values of the shingles: two texts of Jaccard similarity s agree on
    each value with probability s."""
    return ((np.outer(_A, shingle_array) + _B[:, None]) >> _SHIFT).min(axis=1)


def band_keys(mins: np.ndarray) -> tuple[int, ...]:
    """The BANDS keys of a MinHash: 63-bit integers (they fit a signed BIGINT), each the hash
    of its band's number and values. Texts sharing a key are candidates."""
    rows = mins.astype(">u8").tobytes()
    step = BAND_ROWS * 8
    return tuple(
        int.from_bytes(
            hashlib.blake2b(
                bytes((band,)) + rows[band * step : (band + 1) * step], digest_size=8
            ).digest()
        )
        >> 1
        for band in range(BANDS)
    )


def text_keys(normalised: str) -> tuple[np.ndarray, tuple[int, ...]]:
    """A normalised text's shingles and its band keys."""
    shingle_array = shingles(normalised)
    return shingle_array, band_keys(minhash(shingle_array))
