"""Build steps that pyproject.toml cannot state: a wheel or `pip install .` must give a working
site, so the build compiles the message catalogues (the .mo files are not in git) and carries
the site's templates, static files and migrations, which live at the top of the repository
(see DESIGN.md), inside the package as `consult/_site/`. An editable install (`make setup`)
uses the repository itself and compiles the catalogues with `make translations`."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SITE_FOLDERS = ("templates", "static", "migrations")


class BuildWithCatalogues(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        package = Path(self.build_lib) / "consult"
        for po in (HERE / "consult" / "translations").glob("*/LC_MESSAGES/messages.po"):
            target = package / po.relative_to(HERE / "consult").with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as source:
                catalog = read_po(source)
            with target.open("wb") as out:
                write_mo(out, catalog)
        for name in SITE_FOLDERS:
            shutil.copytree(
                HERE / name,
                package / "_site" / name,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            )


setup(cmdclass={"build_py": BuildWithCatalogues})
