"""Where uploaded files and generated documents live: one small interface, a local folder by
default (outside `static/`), so a shared volume or an object store can replace it."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from flask import Response
from flask import current_app
from flask import send_file


class LocalStorage:
    def __init__(self, root: Path):
        self.root = Path(root)

    def save(self, data: bytes) -> tuple[str, str]:
        """Store bytes under their SHA-256; returns (key, sha256). Same content, same key."""
        digest = hashlib.sha256(data).hexdigest()
        key = f"{digest[:2]}/{digest[2:4]}/{digest}"
        path = self.root / key
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        return key, digest

    def save_file(self, source: str | Path) -> tuple[str, str]:
        """Store a file (moved in, its bytes never all in memory); returns (key, sha256)."""
        digest = hashlib.sha256()
        with open(source, "rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
        sha = digest.hexdigest()
        key = f"{sha[:2]}/{sha[2:4]}/{sha}"
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            os.unlink(source)
        else:
            fd, tmp = tempfile.mkstemp(dir=path.parent)
            os.close(fd)
            shutil.move(str(source), tmp)  # a rename on the same file system
            os.replace(tmp, path)
        return key, sha

    def delete(self, key: str) -> None:
        """Remove a stored file that nothing refers to any more (a report's parts)."""
        self.path(key).unlink(missing_ok=True)

    def path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("storage key outside the storage root")
        return path

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()


def storage() -> LocalStorage:
    root = current_app.config.get("STORAGE_DIR") or os.path.join(current_app.instance_path, "files")
    return LocalStorage(Path(root))


def send_stored(
    key: str,
    content_type: str,
    filename: str,
    *,
    max_age: int | None = None,
    etag: str | None = None,
) -> Response:
    """A stored file as a download under its own name."""
    return send_file(
        storage().path(key),
        mimetype=content_type,
        as_attachment=True,
        download_name=filename,
        max_age=max_age,
        etag=etag if etag is not None else True,
    )
