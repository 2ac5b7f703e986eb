"""Subscribing by email: the forms on public pages, double opt-in (nothing but the
confirmation mail before the link is used), the same answer whoever asks, one-click
unsubscribe (RFC 8058 POST and the page), tokens kept hashed, the rate limit, the database
backstops, and the government office's outbox page (admin only, no path traversal)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from consult.notifications import rules
from consult.notifications import services
from consult.notifications.models import NotificationLog
from consult.notifications.models import Subscription
from tests.helpers import DAY
from tests.helpers import MINUTE
from tests.helpers import NOW
from tests.helpers import body
from tests.helpers import confirm_path
from tests.helpers import count
from tests.helpers import csrf_token
from tests.helpers import login
from tests.helpers import make_consultation
from tests.helpers import subscribe
from tests.helpers import token_of
from tests.helpers import unsubscribe_path

# Uploaded files go to a folder of each test's own.
pytestmark = pytest.mark.usefixtures("files_in_tmp")

ADDRESS = "resident@example.com"


def subscribe_post(client, email=ADDRESS, topic="all", **extra):
    data = {"subscribe-email": email, "subscribe-topic": topic, "subscribe-next": "/consultations"}
    data.update({f"subscribe-{k}": v for k, v in extra.items()})
    return client.post("/subscriptions", data=data)


def rows(db, *criteria) -> list[Subscription]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Subscription).where(*criteria)))


def flash_text(client, response) -> str:
    assert response.status_code == 303
    page = client.get(response.location).get_data(as_text=True)
    match = re.search(r'<p class="flash flash-success">(.*?)</p>', page, re.S)
    assert match, "no confirmation message on the page"
    return match.group(1)


# --- the forms on public pages --------------------------------------------------------------


def test_the_consultations_list_offers_all_and_each_department_without_a_csrf_token(client, world):
    page = client.get("/consultations").get_data(as_text=True)
    form = page[page.index('<section class="subscribe"') :]
    form = form[: form.index("</form>")]
    assert 'action="/subscriptions"' in form
    assert 'value="all"' in form
    assert f'value="department:{world.dept.id}"' in form
    assert f'value="department:{world.other_dept.id}"' in form
    # The public list stays the same for every visitor (it is cached with an ETag).
    assert "csrf_token" not in form
    assert client.get("/consultations").data == client.get("/consultations").data


def test_a_published_matter_page_offers_that_matter(client, world):
    page = client.get(f"/matters/{world.matter.id}").get_data(as_text=True)
    assert f'name="subscribe-topic" value="matter:{world.matter.id}"' in page


def test_the_subscription_page_preselects_a_topic(client, world):
    page = client.get(f"/subscriptions?topic=matter:{world.matter.id}").get_data(as_text=True)
    assert f'<option selected value="matter:{world.matter.id}">' in page


# --- double opt-in ---------------------------------------------------------------------------


def test_subscribing_sends_only_a_confirmation_until_the_link_is_used(
    client, world, outbox, runner, clock, db
):
    response = subscribe_post(client, email="  Resident@Example.COM ")
    assert response.status_code == 303 and response.location == "/consultations"
    [sub] = rows(db)
    assert (sub.email, sub.scope, sub.target_id) == (ADDRESS, "all", 0)
    assert sub.confirmed_at is None
    [mail] = outbox.take()
    assert str(mail["To"]) == ADDRESS
    assert mail["List-Unsubscribe"] and str(mail["List-Unsubscribe-Post"]) == (
        "List-Unsubscribe=One-Click"
    )
    confirm = confirm_path(mail)

    # Unconfirmed: a consultation opens, nothing is sent to the address.
    make_consultation(world.matter, NOW)
    db.session.commit()
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    assert "consultation_opened 0" in result.output
    assert outbox.take() == []

    # The link shows a button; following it (a mail scanner) confirms nothing.
    page = client.get(confirm)
    assert page.status_code == 200 and "<form" in page.get_data(as_text=True)
    assert rows(db)[0].confirmed_at is None
    response = client.post(confirm, data={"csrf_token": csrf_token(client)})
    assert response.status_code == 200
    assert rows(db)[0].confirmed_at == NOW
    # Confirming twice is harmless.
    assert client.post(confirm, data={"csrf_token": csrf_token(client)}).status_code == 200

    clock.advance(DAY)
    make_consultation(world.matter, clock.now, title="关于第二个征求意见稿的公开征求意见")
    db.session.commit()
    runner.invoke(args=["tick"])
    [announcement] = outbox.take()
    assert str(announcement["To"]) == ADDRESS
    assert "关于第二个征求意见稿的公开征求意见" in str(announcement["Subject"])


def test_the_confirmation_post_needs_the_pages_csrf_token(client, world, outbox, db):
    subscribe_post(client)
    confirm = confirm_path(outbox.take()[0])
    assert client.post(confirm).status_code == 400
    assert rows(db)[0].confirmed_at is None


def test_every_case_gets_the_same_answer_and_only_new_or_pending_addresses_get_mail(
    client, world, outbox, clock, db
):
    new = flash_text(client, subscribe_post(client))
    assert len(outbox.take()) == 1
    # Pending, asked again at once: same answer, no second mail (no flooding a stranger).
    clock.advance(MINUTE)
    assert flash_text(client, subscribe_post(client)) == new
    assert outbox.take() == []
    # Pending, asked again later: a fresh link; the old one stops working.
    first_token = rows(db)[0].token_hash
    clock.advance(rules.CONFIRM_RESEND_AFTER)
    assert flash_text(client, subscribe_post(client)) == new
    [again] = outbox.take()
    assert rows(db)[0].token_hash != first_token
    services.confirm_subscription(token_of(confirm_path(again)))
    db.session.commit()
    # Confirmed: same answer, no mail, still one subscription.
    clock.advance(DAY)
    assert flash_text(client, subscribe_post(client)) == new
    assert outbox.take() == []
    assert len(rows(db)) == 1


def test_the_old_confirmation_link_is_dead_after_a_new_one(client, world, outbox, clock, db):
    subscribe_post(client)
    old = confirm_path(outbox.take()[0])
    clock.advance(rules.CONFIRM_RESEND_AFTER)
    subscribe_post(client)
    assert client.get(old).status_code == 404


def test_a_confirmation_link_expires(client, world, outbox, clock, db):
    subscribe_post(client)
    confirm = confirm_path(outbox.take()[0])
    clock.advance(rules.CONFIRM_WITHIN)
    page = client.get(confirm).get_data(as_text=True)
    assert "<button" not in page.split('id="main"', 1)[1].split("</main>")[0]
    response = client.post(confirm, data={"csrf_token": csrf_token(client)})
    assert response.status_code == 422
    assert rows(db)[0].confirmed_at is None


@pytest.mark.parametrize(
    ("email", "topic", "field"),
    [
        ("", "all", "email"),
        ("not-an-address", "all", "email"),
        ("someone@localhost", "all", "email"),
        (ADDRESS, "", "topic"),
        (ADDRESS, "everything", "topic"),
        (ADDRESS, "department:999999", "topic"),
        (ADDRESS, "matter:999999", "topic"),
        (ADDRESS, "department:0", "topic"),
        (ADDRESS, "department:99999999999", "topic"),
    ],
)
def test_a_bad_address_or_topic_is_refused_and_nothing_is_sent(
    client, world, outbox, db, email, topic, field
):
    response = subscribe_post(client, email=email, topic=topic)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="subscribe-{field}-error"' in page
    assert rows(db) == [] and outbox.take() == []


def test_a_department_and_a_matter_can_be_subscribed(client, world, outbox, db):
    subscribe_post(client, topic=f"department:{world.dept.id}")
    subscribe_post(client, topic=f"matter:{world.matter.id}")
    assert sorted((s.scope, s.target_id) for s in rows(db)) == [
        ("department", world.dept.id),
        ("matter", world.matter.id),
    ]
    assert len(outbox.take()) == 2


def test_the_honeypot_gets_the_usual_answer_and_nothing_happens(client, world, outbox, db):
    response = subscribe_post(client, website="http://spam.example")
    assert response.status_code == 303
    assert rows(db) == [] and outbox.take() == []


def test_tokens_are_stored_only_as_hashes(client, world, outbox, db):
    subscribe_post(client)
    token = token_of(confirm_path(outbox.take()[0]))
    [sub] = rows(db)
    assert sub.token_hash == rules.hash_token(token) and token not in sub.token_hash


# --- unsubscribing -------------------------------------------------------------------------


def test_one_click_unsubscribe_by_post_needs_no_cookie_or_csrf_token(app, world, outbox, db):
    from tests.conftest import FreshContextClient

    first = FreshContextClient(app, app.response_class, use_cookies=True)
    subscribe_post(first)
    mail = outbox.take()[0]
    url = unsubscribe_path(mail)
    assert url == confirm_path(mail).replace("/confirm/", "/unsubscribe/")
    mail_program = FreshContextClient(app, app.response_class, use_cookies=False)
    response = mail_program.post(url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert rows(db)[0].unsubscribed_at == NOW
    # Again: harmless.
    assert mail_program.post(url, data={"List-Unsubscribe": "One-Click"}).status_code == 200


def test_unsubscribe_page_asks_first_then_unsubscribes(client, world, outbox, db):
    subscribe_post(client)
    url = unsubscribe_path(outbox.take()[0])
    page = client.get(url)
    assert page.status_code == 200 and "<form" in page.get_data(as_text=True)
    assert rows(db)[0].unsubscribed_at is None
    done = client.post(url)
    assert done.status_code == 200
    assert rows(db)[0].unsubscribed_at is not None
    again = client.get(url).get_data(as_text=True)
    assert '<form method="post" action="/subscriptions/unsubscribe' not in again


def test_after_unsubscribing_one_can_subscribe_again(client, world, outbox, db, clock):
    subscribe_post(client)
    client.post(unsubscribe_path(outbox.take()[0]))
    clock.advance(MINUTE)
    subscribe_post(client)
    assert len(outbox.take()) == 1
    states = sorted((s.unsubscribed_at is None) for s in rows(db))
    assert states == [False, True]


@pytest.mark.parametrize("kind", ["confirm", "unsubscribe"])
@pytest.mark.parametrize("token", ["x" * 43, "short", "a" * 200, "%00", "..%2F..%2Fetc"])
def test_an_unknown_token_is_not_found(client, world, kind, token):
    url = f"/subscriptions/{kind}/{token}"
    assert client.get(url).status_code == 404
    assert client.post(url).status_code in (400, 404)


def test_the_unsubscribe_link_of_a_notification_cancels_what_brought_that_mail(
    client, world, outbox, runner, db
):
    subscribe(ADDRESS, "all")
    subscribe(ADDRESS, f"matter:{world.matter.id}")
    subscribe(ADDRESS, f"department:{world.other_dept.id}")
    subscribe("neighbour@example.com", "all")
    make_consultation(world.matter, NOW)
    db.session.commit()
    runner.invoke(args=["tick"])
    mails = {str(m["To"]): m for m in outbox.take()}
    assert sorted(mails) == ["neighbour@example.com", ADDRESS]
    url = unsubscribe_path(mails[ADDRESS])
    assert url != unsubscribe_path(mails["neighbour@example.com"])
    page = client.get(url).get_data(as_text=True)
    assert page.count("<li>") >= 2
    assert client.post(url).status_code == 200
    live = {(s.email, s.scope) for s in rows(db, Subscription.unsubscribed_at.is_(None))}
    assert live == {(ADDRESS, "department"), ("neighbour@example.com", "all")}
    # The token of the mail is kept only as a hash, on the log row.
    token = token_of(url)
    assert count(db, NotificationLog, NotificationLog.token_hash == rules.hash_token(token)) == 1


# --- the rate limit and the database backstops -------------------------------------------------


def test_the_subscribe_form_is_rate_limited(client, world, outbox, app, monkeypatch):
    monkeypatch.setitem(app.config, "SUBSCRIBE_RATE_LIMIT", "3 per minute")
    statuses = [
        subscribe_post(client, email=f"person{n}@example.com").status_code for n in range(4)
    ]
    assert statuses == [303, 303, 303, 429]
    assert len(outbox.take()) == 3


def test_the_default_limit_is_five_a_minute(client, world, outbox):
    statuses = [
        subscribe_post(client, email=f"person{n}@example.com").status_code for n in range(6)
    ]
    assert statuses == [303] * 5 + [429]


def test_the_database_allows_one_live_subscription_per_address_and_topic(world, db):
    subscribe(ADDRESS, "all")
    db.session.add(Subscription(email=ADDRESS, scope="all", target_id=0, token_hash="f" * 64))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    ("scope", "target_id", "email"),
    [("all", 3, ADDRESS), ("department", 0, ADDRESS), ("planet", 1, ADDRESS), ("all", 0, " ")],
)
def test_check_constraints_refuse_nonsense(world, db, scope, target_id, email):
    db.session.add(Subscription(email=email, scope=scope, target_id=target_id, token_hash="e" * 64))
    with pytest.raises(IntegrityError) as info:
        db.session.flush()
    assert "ck_subscription_" in str(info.value)
    db.session.rollback()


# --- the outbox page ------------------------------------------------------------------------


@pytest.fixture
def mailed(client, world, outbox, clock, db):
    """Two mails in the outbox, a minute apart."""
    subscribe_post(client, email="first@example.com")
    clock.advance(MINUTE)
    subscribe_post(client, email="second@example.com")
    return outbox


@pytest.mark.parametrize("role", ["anonymous", "resident", "representative", "own_officer"])
def test_the_outbox_is_for_the_government_office_only(client, world, mailed, role):
    login(client, world.users[role])
    for url in ("/admin/outbox", f"/admin/outbox/{mailed.files()[0].name}"):
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302 and "/login" in response.location
        else:
            assert response.status_code == 403


def test_the_outbox_lists_the_newest_first_and_shows_a_mail(client, world, mailed):
    login(client, world.users["admin"])
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert page.index("second@example.com") < page.index("first@example.com")
    name = mailed.files()[0].name
    assert f'href="/admin/outbox/{name}"' in page
    shown = client.get(f"/admin/outbox/{name}")
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    message = mailed.messages()[0]
    assert str(message["Subject"]) in text  # decoded, not =?utf-8?…
    assert "=?utf-8?" not in text
    assert "List-Unsubscribe" in text
    assert "/subscriptions/confirm/" in text and body(message).splitlines()[0] in text


@pytest.mark.parametrize(
    "name",
    [
        "..%2Fsecret.eml",
        "%2E%2E%2Fsecret.eml",
        "../secret.eml",
        "..",
        ".hidden.eml",
        "secret",
        "link.eml",
        "notes.txt",
        "%00.eml",
    ],
)
def test_the_outbox_page_opens_only_mails_in_the_folder(client, world, mailed, name):
    folder = mailed.folder
    (folder.parent / "secret.eml").write_text("Subject: Sekrit-Outside\n\nsecret body\n")
    (folder / "link.eml").symlink_to(folder.parent / "secret.eml")
    (folder / "notes.txt").write_text("Subject: Notes-Not-Mail\n\nnotes\n")
    (folder / ".hidden.eml").write_text("Subject: Dot-Hidden\n\nhidden\n")
    login(client, world.users["admin"])
    response = client.get(f"/admin/outbox/{name}")
    assert response.status_code in (404, 308)
    if response.status_code == 308:
        response = client.get(response.location)
        assert response.status_code == 404
    listing = client.get("/admin/outbox").get_data(as_text=True)
    for subject in ("Sekrit-Outside", "Notes-Not-Mail", "Dot-Hidden"):
        assert subject not in listing and subject not in response.get_data(as_text=True)


def test_without_the_outbox_backend_the_page_says_so(client, world, app, monkeypatch, mailed):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    login(client, world.users["admin"])
    page = client.get("/admin/outbox")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "smtp" in text and "first@example.com" not in text
    assert client.get(f"/admin/outbox/{mailed.files()[0].name}").status_code == 302


def test_the_admin_navigation_links_the_outbox(client, world):
    login(client, world.users["admin"])
    assert 'href="/admin/outbox"' in client.get("/admin/users").get_data(as_text=True)


def test_the_subscription_pages_never_show_the_address(client, world, outbox, db):
    """Rule 6: the confirm and unsubscribe pages, and the answer to the form, name the topic
    only; whoever holds a link learns nothing about whose it is."""
    answer = subscribe_post(client, email="private.person@example.com")
    mail = outbox.take()[0]
    pages = [
        client.get(answer.location),
        client.get(confirm_path(mail)),
        client.get(unsubscribe_path(mail)),
        client.post(confirm_path(mail), data={"csrf_token": csrf_token(client)}),
        client.post(unsubscribe_path(mail)),
    ]
    for page in pages:
        assert page.status_code == 200
        assert "private.person" not in page.get_data(as_text=True)


def test_mails_sent_during_a_request_link_to_the_public_url_not_its_host(
    client, world, outbox, app, monkeypatch
):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://consult.donghu.example")
    data = {"subscribe-email": ADDRESS, "subscribe-topic": "all", "subscribe-next": "/"}
    response = client.post("/subscriptions", data=data, headers={"Host": "evil.example"})
    assert response.status_code == 303
    [mail] = outbox.take()
    text = body(mail)
    assert "evil" not in text and "evil" not in str(mail["List-Unsubscribe"])
    urls = re.findall(r"https?://\S+", text)
    assert len(urls) == 2  # confirm, cancel
    assert all(u.startswith("https://consult.donghu.example/subscriptions/") for u in urls)
    assert str(mail["List-Unsubscribe"]).startswith("<https://consult.donghu.example/")
