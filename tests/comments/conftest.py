"""The comments tests' fixtures."""

from __future__ import annotations

import pytest

from consult import create_app
from consult.accounts import services as accounts
from consult.accounts.models import SYSTEM
from consult.catalogue import services as catalogue
from consult.comments import services
from consult.extensions import db as _db
from tests.helpers import consultation_data
from tests.helpers import fresh_database_url


@pytest.fixture
def committed(tmp_path):
    """An application on a database of its own whose requests really commit (concurrency
    needs it), with an open consultation; on PostgreSQL too when the suite runs there."""
    with fresh_database_url() as url:
        app = create_app(
            "test",
            SQLALCHEMY_DATABASE_URI=url,
            COMMENT_RATE_LIMIT="10000 per minute",
            STORAGE_DIR=str(tmp_path / "files"),
        )
        with app.app_context():
            _db.create_all()
            dept = accounts.create_department(
                {"name": "东湖区住建局", "short_name": "住建局"}, actor=SYSTEM
            )
            matter = catalogue.create_matter(
                {
                    "year": 2026,
                    "title": "老旧小区停车设施改造",
                    "summary": "对辖区老旧小区停车设施进行改造。",
                    "department_id": dept.id,
                    "planned_time": "2026-Q3",
                    "hearing": False,
                    "procedures": {"public_participation": True},
                },
                actor=SYSTEM,
            )
            catalogue.publish_catalogue(matter.catalogue, actor=SYSTEM)
            consultation = services.consultations.open_consultation(
                matter, consultation_data(), actor=SYSTEM
            )
            _db.session.commit()
            consultation_id = consultation.id
            _db.session.remove()
        try:
            yield app, consultation_id
        finally:
            with app.app_context():
                _db.session.remove()
                _db.drop_all()
                _db.engine.dispose()
