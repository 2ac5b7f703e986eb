"""Schemathesis: every operation of the generated OpenAPI document, fuzzed from the document
itself against the application with the 东湖区 demo, anonymously and with a staff token, with
every check schemathesis has (positive and negative data, coverage of the boundaries).

What must hold: no server error, no answer outside its documented schema (status, content
type, headers, body), no request the schema forbids accepted, 405 with `Allow`.

One check is adjusted: `positive_data_acceptance` takes 422 as an answer to schema-valid
data. The schema states every limit a value has; a 422 is a rule about the state of things,
which no schema can state (the window has closed, the consultation's feedback is published,
the matter is already decided, the representative is not the one invited). A schema-valid
request is never refused as malformed (400).

The application is its own, on a temporary SQLite file, whatever DATABASE_URL the rest of the
suite uses (like the browser journeys): fuzzed requests write for real. Rate limits are set
out of reach: thousands of requests come from one address.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck
from hypothesis import settings

from consult import create_app
from tests.helpers import demo_site

# The document needs no data: read from an application without a database.
_document_app = create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://", ACTIVATION_INTERVAL=1e9)
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {"expected-statuses": ["2xx", 401, 403, 404, 409, 422]}
        }
    }
)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _document_app, config=CONFIG)
# The WSGI client schemathesis uses does not close a streamed answer (the report PDF is sent
# from its file): its file is left to the garbage collector, which warns.
pytestmark = [
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "20"))
BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


@pytest.fixture(scope="module")
def served():
    from consult.accounts import services as accounts
    from consult.accounts.models import User
    from consult.extensions import db

    folder = Path(tempfile.mkdtemp(prefix="consult-schemathesis-"))
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{demo_site(folder)}",
        STORAGE_DIR=str(folder / "files"),
        # Consultations open by the clock, checked by any request; nothing comes due while the
        # fuzzing runs, so once at the first request (not a query before each of thousands).
        ACTIVATION_INTERVAL=1e9,
        # Not RATELIMIT_ENABLED=False: the limiter is one object, and init_app would switch
        # it off for the rest of the suite too. Limits out of reach instead.
        COMMENT_RATE_LIMIT="1000000 per minute",
        COMMENT_ATTEMPT_LIMIT="1000000 per minute",
        LOGIN_RATE_LIMIT="1000000 per minute",
        SUBSCRIBE_RATE_LIMIT="1000000 per minute",
        CHECKIN_RATE_LIMIT="1000000 per minute",
        QUESTION_RATE_LIMIT="1000000 per minute",
        QUESTION_ATTEMPT_LIMIT="1000000 per minute",
    )
    with app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.email == "admin@donghu.example"))
        _token, secret = accounts.issue_token(admin, "schemathesis", actor=admin)
        db.session.commit()
        db.session.remove()
    app.config["TEST_STAFF_TOKEN"] = secret
    yield app
    with app.app_context():
        db.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


@schema.parametrize()
@BOUNDED
def test_the_api_as_anyone(case, served):
    case.call_and_validate(app=served)


@schema.parametrize()
@BOUNDED
def test_the_api_as_staff(case, served):
    token = served.config["TEST_STAFF_TOKEN"]
    case.call_and_validate(app=served, headers={"Authorization": f"Bearer {token}"})
