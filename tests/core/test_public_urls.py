"""PUBLIC_URL: the one source of absolute links (PDFs, mails, feeds), in a request or not."""

from __future__ import annotations

import pytest

from consult import create_app
from consult.core.urls import check_public_url
from consult.core.urls import public_host
from consult.core.urls import public_link
from consult.core.urls import public_url

PORTAL = "https://consult.donghu.example/portal"


def test_links_are_built_outside_any_request(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", PORTAL)
    with app.app_context():  # as in `flask tick` or a report job: no request, no Host
        assert public_url("consultations.detail", consultation_id=7) == (
            f"{PORTAL}/consultations/7"
        )
        assert public_url("consultations.detail", consultation_id=7, _anchor="feedback").endswith(
            "/portal/consultations/7#feedback"
        )
        assert public_url("consultations.index", status="closed") == (
            f"{PORTAL}/consultations?status=closed"
        )
        assert public_link("/consultations/7") == f"{PORTAL}/consultations/7"
        assert public_host() == "consult.donghu.example"


def test_a_request_with_another_host_changes_nothing(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", PORTAL)
    with app.test_request_context(
        "/", base_url="http://evil.example:8080/other", headers={"Host": "evil.example:8080"}
    ):
        url = public_url("feeds.consultations")
    assert url == f"{PORTAL}/feeds/consultations.atom"


@pytest.mark.parametrize(
    "value",
    [
        "consult.donghu.example",  # no scheme
        "ftp://consult.donghu.example",
        "https://",
        "https://consult.donghu.example/?a=1",
        "https://consult.donghu.example/#top",
        "https://user@consult.donghu.example",
        "/consultations",
    ],
)
def test_a_malformed_public_url_is_refused(value):
    with pytest.raises(ValueError):
        check_public_url(value)
    with pytest.raises(RuntimeError, match="PUBLIC_URL"):
        create_app("test", PUBLIC_URL=value)


def test_a_trailing_slash_is_dropped():
    assert check_public_url("https://consult.donghu.example/") == "https://consult.donghu.example"
    app = create_app("test", PUBLIC_URL="https://consult.donghu.example/portal/")
    assert app.config["PUBLIC_URL"] == PORTAL


def test_production_requires_a_public_url(monkeypatch):
    from config import ProductionConfig

    monkeypatch.delenv("PUBLIC_URL", raising=False)
    with pytest.raises(RuntimeError, match="PUBLIC_URL must be set in production"):
        _ = ProductionConfig().PUBLIC_URL
    monkeypatch.setenv("PUBLIC_URL", "consult.donghu.example")
    with pytest.raises(RuntimeError, match="absolute"):
        _ = ProductionConfig().PUBLIC_URL
    monkeypatch.setenv("PUBLIC_URL", "https://consult.donghu.example/")
    assert ProductionConfig().PUBLIC_URL == "https://consult.donghu.example"


def test_development_has_the_local_servers_address(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k != "PUBLIC_URL"}
    env["CONSULT_INSTANCE_DIR"] = str(tmp_path)
    out = subprocess.run(
        [sys.executable, "-c", "import config; print(config.DevelopmentConfig.PUBLIC_URL)"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "http://127.0.0.1:5000"  # `make run` serves there
