"""Each consultation and meeting page offers a locally made QR code and a share link."""

from __future__ import annotations

import base64
import re
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import segno  # noqa: F401  (the QR codes are made with it)

from consult.accounts.models import SYSTEM
from consult.consultations import services as consultations
from consult.meetings import services as meetings

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def _qr_svg(html: str) -> str:
    match = re.search(
        r'src="data:image/svg\+xml(;charset=utf-8)?,([^"]+)"|src="data:image/svg\+xml;base64,([^"]+)"',
        html,
    )
    assert match, "no QR code image on the page"
    if match.group(3):
        return base64.b64decode(match.group(3)).decode()
    from urllib.parse import unquote

    return unquote(match.group(2))


def test_a_consultation_page_has_a_qr_code_and_its_share_link(client, db, frozen, create_matter):
    frozen(NOW)
    matter = create_matter(published=True)
    consultation = consultations.open_consultation(
        matter,
        {
            "title": "关于停车设施改造的征求意见",
            "draft": "第一条 适用范围。",
            "contact": "区住建局",
            "opens_at": NOW,
            "closes_at": NOW + timedelta(days=30),
        },
        actor=SYSTEM,
    )
    db.session.commit()
    page = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    share_url = f"http://localhost/consultations/{consultation.id}"
    assert f'value="{share_url}"' in page
    assert "<svg" in _qr_svg(page)


def test_a_meeting_page_has_a_qr_code_and_its_share_link(client, db, frozen):
    frozen(NOW)
    meeting = meetings.create_meeting(
        {
            "kind": "symposium",
            "title": "停车设施改造座谈会",
            "place": "区政府3号会议室",
            "seats": 5,
            "starts_at": NOW + timedelta(days=7),
            "ends_at": NOW + timedelta(days=7, hours=2),
            "registration_deadline": NOW + timedelta(days=5),
        },
        actor=SYSTEM,
    )
    db.session.commit()
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f'value="http://localhost/meetings/{meeting.id}"' in page
    assert "<svg" in _qr_svg(page)
