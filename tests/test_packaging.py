"""A wheel (or `pip install .`) gives a working site in Chinese: the build compiles the
message catalogues and carries the templates, static files, migrations and the demo's story."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = (
    "consult",
    "templates",
    "static",
    "migrations",
    "config.py",
    "setup.py",
    "pyproject.toml",
    "README.md",
)

PROBE = """
import consult, sqlalchemy as sa
from consult import create_app
from consult.extensions import db
assert consult.__file__.startswith({target!r}), consult.__file__
app = create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://")
with app.app_context():
    db.create_all()
page = app.test_client().get("/").get_data(as_text=True)
print("首页" in page, "决策事项目录" in page, "Decision catalogue" in page)
print(app.test_client().get("/static/css/site.css").status_code)
from consult.demo import story
print(len(story.load().consultations.consultations))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(
                path, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "*.pyc")
            )
        else:
            shutil.copy2(path, source / name)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("consult-*.whl")
    return built


def test_the_wheel_carries_compiled_catalogues_templates_static_and_migrations(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "consult/translations/zh_Hans/LC_MESSAGES/messages.mo" in names
    assert "consult/_site/templates/base.html" in names
    assert "consult/_site/static/css/site.css" in names
    assert "consult/_site/migrations/env.py" in names
    assert "config.py" in names
    # The demo's story, one file per domain, read by `flask seed-demo` from the package.
    story = sorted(path.name for path in (ROOT / "consult/demo/story").glob("*.toml"))
    assert len(story) >= 7
    assert {f"consult/demo/story/{name}" for name in story} <= names


def test_an_installed_wheel_serves_the_chinese_site(wheel, tmp_path):
    target = tmp_path / "site-packages"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "PYTHONPATH": str(target), "CONSULT_INSTANCE_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(target=str(target))],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    chinese, catalogue, english, css, consultations = result.stdout.split()
    assert (chinese, catalogue, english) == ("True", "True", "False"), result.stdout
    assert css == "200"
    assert consultations == "9"  # the demo's story files came with the package
