"""Where uploaded files and generated documents live: one small interface, a local folder by
default (outside `static/`), so a shared volume or an object store can replace it."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app


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
