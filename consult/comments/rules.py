"""Comment rules: what a comment may contain, and how near-duplicates are recognised."""

from __future__ import annotations

import hashlib
import struct
import unicodedata
import zlib

from flask_babel import lazy_gettext as _l

from consult.comments.models import CommentSource, CommentStatus, HideReason
from consult.core.errors import RuleViolation

BODY_MIN = 10
BODY_MAX = 5000
NAME_MAX = 50
CONTACT_MAX = 100
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
SHINGLE = 3
DUPLICATE_THRESHOLD = 0.7  # Jaccard similarity of character shingles

SOURCE_LABELS = {
    CommentSource.ONLINE: _l("Online"),
    CommentSource.SYMPOSIUM: _l("Symposium"),
    CommentSource.HEARING: _l("Hearing"),
    CommentSource.FIELD_VISIT: _l("Field visit"),
    CommentSource.HOTLINE: _l("12345 hotline"),
    CommentSource.LETTER: _l("Letter"),
    CommentSource.MAILBOX: _l("Mailbox"),
    CommentSource.MEETING: _l("Government meeting"),
}

STATUS_LABELS = {
    CommentStatus.RECEIVED: _l("Received"),
    CommentStatus.PUBLISHED: _l("Published"),
    CommentStatus.HIDDEN: _l("Withheld by moderation"),
}

HIDE_REASON_LABELS = {
    HideReason.ABUSIVE: _l("Abusive language"),
    HideReason.PERSONAL_DATA: _l("Contains personal data"),
    HideReason.SPAM: _l("Spam or advertising"),
    HideReason.OFF_TOPIC: _l("Off topic"),
}

OFFLINE_SOURCES = tuple(s.value for s in CommentSource if s != CommentSource.ONLINE)


def _has_control_chars(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in text)


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
    digits = sum(ch.isdigit() for ch in text)
    if "@" not in text and digits < 5:
        raise RuleViolation(
            "contact", _l("Enter a phone number or an email address, or leave it empty.")
        )
    return text


# --- near-duplicate detection ------------------------------------------------------------

_SKIP_CATEGORIES = ("P", "S", "Z", "C")
# Universal hashing (a·x + b) mod p with fixed, published coefficients: the same text gives
# the same bands in every process and every deployment.
_PRIME = (1 << 61) - 1
_COEFFS = tuple(
    (
        int.from_bytes(hashlib.sha256(f"consult-minhash-a{i}".encode()).digest()[:8]) % _PRIME | 1,
        int.from_bytes(hashlib.sha256(f"consult-minhash-b{i}".encode()).digest()[:8]) % _PRIME,
    )
    for i in range(8)
)


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


def shingles(normalised: str, k: int = SHINGLE) -> set[str]:
    if len(normalised) <= k:
        return {normalised}
    return {normalised[i : i + k] for i in range(len(normalised) - k + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def fingerprint(normalised: str) -> str:
    return hashlib.sha1(normalised.encode()).hexdigest()


def minhash(shingle_set: set[str]) -> tuple[int, ...]:
    """An 8-value MinHash of the shingles (32-bit values): two texts of Jaccard similarity s
    agree on each value with probability s."""
    hashes = [zlib.crc32(s.encode()) for s in shingle_set]
    return tuple(min([(a * h + b) % _PRIME for h in hashes]) & 0xFFFFFFFF for a, b in _COEFFS)


def minhash_bands(mins: tuple[int, ...]) -> tuple[int, int, int, int]:
    """Four LSH bands of the MinHash (2 values a band): texts sharing a band become
    candidates.

    Two texts of similarity s share a band with probability 1 - (1 - s²)⁴: 0.93 at 0.7,
    0.99 at 0.85, and a campaign of many copies is found through any of its members. Unrelated
    comments on one topic (s ≈ 0.06) share one 1.4% of the time, so a consultation of 10,000
    comments gives a new one ~140 chance candidates: the sketch below sorts them out."""
    bands = []
    for b in range(4):
        packed = struct.pack(">2I", *mins[b * 2 : b * 2 + 2])
        bands.append(zlib.crc32(packed))
    return bands[0], bands[1], bands[2], bands[3]


def sketch(mins: tuple[int, ...]) -> bytes:
    """The MinHash as stored with the comment (32 bytes)."""
    return struct.pack(">8I", *mins)


SKETCH_MIN_AGREEMENT = 4


def may_be_near_duplicate(mins: tuple[int, ...], stored: bytes | None) -> bool:
    """Whether a candidate's stored sketch agrees with ours often enough (≥ 4 of 8 values) to
    be worth comparing the texts. At the threshold similarity 0.7 a real near-duplicate
    agrees less often only 6% of the time (and a campaign is found through any of its
    members); a chance candidate (s ≈ 0.06) passes ~5% of the time. Comments stored without a
    sketch are always compared."""
    if stored is None:
        return True
    theirs = struct.unpack(">8I", stored)
    return sum(a == b for a, b in zip(mins, theirs, strict=True)) >= SKETCH_MIN_AGREEMENT
