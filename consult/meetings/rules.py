"""Meeting rules: times, the reproducible draw, check-in. Pure functions and constants.

On-site check-in proves presence with the venue code: the organiser's screen at the door
("签到屏") shows a six-digit code, and a QR code of the link carrying it, that changes every
VENUE_CODE_STEP seconds. The code is the HOTP value (RFC 4226) of the meeting's own secret and
the number of the time step, as TOTP (RFC 6238) makes it; the current and the previous step are
accepted, never a future one, so a code is good for 30 to 60 seconds after it appears.

The draw is published so that anyone can re-run it without our code: for each category (in
alphabetical order), rank the eligible representatives' ids by the SHA-256 hex digest of
"<seed>|<category>|<id>" (lowest first) and take as many as the quota asks. A substitute for a
declined seat is the next one in the same ranking who is still eligible.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import struct
from datetime import datetime
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from consult.core import values
from consult.core.errors import RuleViolation
from consult.core.ids import ALPHABET
from consult.core.labels import labels_by_kind
from consult.meetings.models import Attendance
from consult.meetings.models import InvitationStatus
from consult.meetings.models import MeetingKind

KIND_LABELS, INVITATION_STATUS_LABELS, ATTENDANCE_LABELS = labels_by_kind(
    (
        MeetingKind,
        InvitationStatus,
        Attendance,
    ),
    {
        MeetingKind.STANDING: _l("Standing meeting of the district government"),
        MeetingKind.EXECUTIVE: _l("Executive meeting"),
        MeetingKind.SYMPOSIUM: _l("Symposium"),
        MeetingKind.HEARING: _l("Hearing"),
        MeetingKind.OTHER: _l("Other meeting"),
        InvitationStatus.PENDING: _l("Awaiting reply"),
        InvitationStatus.ACCEPTED: _l("Accepted"),
        InvitationStatus.DECLINED: _l("Declined"),
        Attendance.ATTENDED: _l("Attended"),
        Attendance.ABSENT: _l("Absent"),
    },
)

# Check-in opens a while before the meeting and closes when it ends.
CHECKIN_OPENS_BEFORE = timedelta(hours=2)
CODE_LENGTH = 8
MAX_SEED = 100
MAX_TITLE = 200
MAX_PLACE = 200
MAX_SEATS = 500  # seats for representatives at one meeting
MAX_QUOTA = 100  # representatives of one category drawn at once
MAX_DECLINE_REASON = 1000
MAX_CODE = 20  # what a check-in code field takes (codes are CODE_LENGTH characters)


def check_times(starts_at: datetime, ends_at: datetime, deadline: datetime, now: datetime) -> None:
    if starts_at <= now:
        raise RuleViolation("starts_at", _l("A meeting cannot be scheduled in the past."))
    if ends_at <= starts_at:
        raise RuleViolation("ends_at", _l("The meeting must end after it starts."))
    if deadline > starts_at:
        raise RuleViolation(
            "registration_deadline", _l("Registration must close before the meeting starts.")
        )
    if deadline <= now:
        raise RuleViolation(
            "registration_deadline", _l("The registration deadline is in the past.")
        )


def rank_key(seed: str, category: str, representative_id: int) -> str:
    return hashlib.sha256(f"{seed}|{category}|{representative_id}".encode()).hexdigest()


def ranking(seed: str, category: str, ids: list[int]) -> list[int]:
    return sorted(ids, key=lambda i: (rank_key(seed, category, i), i))


def draw(seed: str, quotas: dict[str, int], pool: dict[str, list[int]]) -> dict[str, list[int]]:
    """The reproducible draw: the same seed, quotas and pool give the same people."""
    result: dict[str, list[int]] = {}
    for category in sorted(quotas):
        wanted = quotas[category]
        available = pool.get(category, [])
        if wanted > len(available):
            raise RuleViolation(
                "quotas",
                _l(
                    "The pool has only %(n)d eligible representative(s) in “%(category)s”, %(wanted)d asked.",
                    n=len(available),
                    category=category,
                    wanted=wanted,
                ),
            )
        result[category] = ranking(seed, category, available)[:wanted]
    return result


def clean_quotas(quotas, categories: set[str]) -> dict[str, int]:
    if not isinstance(quotas, dict) or not quotas:
        raise RuleViolation("quotas", _l("Say how many representatives of which category to draw."))
    clean = {}
    for category, count in quotas.items():
        if category not in categories:
            raise RuleViolation("quotas", _l("Unknown category: %(name)s", name=str(category)[:40]))
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_QUOTA:
            raise RuleViolation(
                "quotas", _l("Quotas are whole numbers from 0 to %(n)d.", n=MAX_QUOTA)
            )
        if count:
            clean[category] = count
    if not clean:
        raise RuleViolation("quotas", _l("Say how many representatives of which category to draw."))
    return clean


def clean_seed(seed: str | None) -> str:
    if seed is not None and not isinstance(seed, str):
        raise RuleViolation("seed", _l("Enter text."))
    text = (seed or "").strip()
    if not text:
        # A seed nobody chose: drawn from the OS, published with the result.
        return secrets.token_hex(8)
    if len(text) > MAX_SEED or any(ord(ch) < 0x20 for ch in text) or values.unstorable(text):
        raise RuleViolation(
            "seed", _l("The seed is at most %(n)d printable characters.", n=MAX_SEED)
        )
    return text


def new_checkin_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str | None) -> str:
    if not isinstance(text, str):
        return ""
    return "".join(ch for ch in text.upper() if ch.isalnum())[:MAX_CODE]


def checkin_opens_at(starts_at: datetime) -> datetime:
    return starts_at - CHECKIN_OPENS_BEFORE


def checkin_open(starts_at: datetime, ends_at: datetime, now: datetime) -> bool:
    return checkin_opens_at(starts_at) <= now < ends_at


class CheckinPhase:
    EARLY = "early"
    OPEN = "open"
    CLOSED = "closed"


def checkin_phase(starts_at: datetime, ends_at: datetime, now: datetime) -> str:
    if now < checkin_opens_at(starts_at):
        return CheckinPhase.EARLY
    return CheckinPhase.OPEN if now < ends_at else CheckinPhase.CLOSED


# --- the venue code -------------------------------------------------------------------------
# Written out with hmac rather than taken from pyotp: pyotp's verify() accepts the next step
# as well as the previous one (a symmetric window) and reads the system clock, while the rule
# here is "this step or the one before, by the server's clock"; the HOTP value itself is the
# ten lines below.

VENUE_CODE_STEP = 30  # seconds a venue code is shown before the next one
VENUE_CODE_DIGITS = 6
VENUE_SECRET_BYTES = 20  # RFC 4226 recommends 160 bits
# A representative who scanned a valid code may take this long to log in and tap "check in":
# the scan proved presence; the tap only confirms who it was.
SCAN_VALID_FOR = timedelta(minutes=10)


def new_venue_secret() -> str:
    return secrets.token_hex(VENUE_SECRET_BYTES)


def venue_step(at: datetime) -> int:
    return int(at.timestamp()) // VENUE_CODE_STEP


def venue_step_ends(at: datetime) -> datetime:
    """When the code shown at `at` gives way to the next one."""
    return datetime.fromtimestamp((venue_step(at) + 1) * VENUE_CODE_STEP, tz=at.tzinfo)


def venue_code_for_step(secret: str, step: int) -> str:
    """HOTP (RFC 4226) of the meeting's secret and the step: dynamic truncation to 6 digits."""
    digest = hmac.new(bytes.fromhex(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**VENUE_CODE_DIGITS).zfill(VENUE_CODE_DIGITS)


def venue_code(secret: str, at: datetime) -> str:
    return venue_code_for_step(secret, venue_step(at))


def normalise_venue_code(text: str | None) -> str:
    """What people type: spaces and dashes dropped, full-width digits read as digits."""
    if not isinstance(text, str):
        return ""
    return "".join(str(int(ch)) for ch in text[:100] if ch.isdecimal())[:MAX_CODE]


def venue_code_valid(secret: str, code: str | None, at: datetime) -> bool:
    """The code shown at `at` or in the step before; never a step to come."""
    typed = normalise_venue_code(code)
    if len(typed) != VENUE_CODE_DIGITS:
        return False
    step = venue_step(at)
    # Both compared, in constant time, so the answer's time does not tell which one matched.
    matches = [hmac.compare_digest(typed, venue_code_for_step(secret, s)) for s in (step, step - 1)]
    return any(matches)
