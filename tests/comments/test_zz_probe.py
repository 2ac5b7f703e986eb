from tests.consultations.consultation_support import *  # noqa
from tests.consultations.consultation_support import _files_in_tmp  # noqa
from consult.consultations import services
import pytest

def test_probe_offline_types(world, client, clock, db):
    c = make_consultation(world.matter, NOW)
    db.session.commit()
    clock.set(NOW + DAY)
    for extra in ({"author_name": 123}, {"body": 12345678901}, {"contact": 13912345678}, {"activity_id": 99999999999999999999}, {"activity_id": 9999999999}, {"clause": 99999999999999999999}, {"received_at": 5}):
        data = {"source": "hotline", "received_at": NOW.isoformat(), "author_name": "来电", "body": "来电建议：保留临时停车位。", **extra}
        r = api_call(client, "POST", f"/api/v1/consultations/{c.id}/offline-comments", world.tokens["admin"], json=data)
        print(extra, r.status_code, r.get_data(as_text=True)[:200])
    s = submit(c); db.session.commit()
    for note in (5, ["x"], {"a": 1}):
        r = api_call(client, "POST", f"/api/v1/comments/{s.id}/hide", world.tokens["admin"], json={"reason": "spam", "note": note})
        print(note, r.status_code, r.get_data(as_text=True)[:200])
    for extra in ({"clause": 99999999999999999999}, {"clause": True}, {"clause": 1.7}, {"body": "x"*10 + "\x00"}):
        r = client.post(f"/api/v1/consultations/{c.id}/comments", json={"author_name":"a","body":"意见内容意见内容意见内容","consent":True, **extra})
        print(extra, r.status_code, r.get_data(as_text=True)[:200])

def test_probe_delete_after_change(world, client, clock, db):
    c = make_consultation(world.matter, NOW + DAY)
    services.change_closing(c, c.closes_at + DAY, "延长", actor=None)
    db.session.commit()
    login(client, world.users["admin"])
    r = post_form(client, f"/manage/consultations/{c.id}/delete", prefix="delete")
    print("delete", r.status_code, r.location)

def test_probe_activity_scheduled(world, client, clock, db):
    c = make_consultation(world.matter, NOW + DAY)
    services.record_activity(c, {"kind": "hearing", "held_on": NOW.date(), "place": "x", "participants": 3}, actor=None)
    db.session.commit()
    login(client, world.users["admin"])
    r = post_form(client, f"/manage/consultations/{c.id}/delete", prefix="delete")
    print("delete2", r.status_code, r.location)

def test_probe_utf8(world, client, db):
    from urllib.parse import urlencode, quote
    c = make_consultation(world.matter, NOW); db.session.commit()
    raw = urlencode({**web_comment(body=None), "csrf_token": csrf_token(client)}).encode() + b"&body=" + quote(b"\xff\xfe invalid bytes here \xc3\x28").encode()
    r = client.post(f"/consultations/{c.id}/comments", data=raw, content_type="application/x-www-form-urlencoded")
    print("utf8", r.status_code, r.location)
