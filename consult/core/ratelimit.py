"""The in-process storage for rate limits (Flask-Limiter, via `limits`), when no Redis is
configured: `consult-memory://`."""

from __future__ import annotations

import threading
import time

from limits.storage import MemoryStorage


class SweptMemoryStorage(MemoryStorage):
    """limits' MemoryStorage, sweeping out expired counters at most once a second.

    MemoryStorage starts a new timer thread for its sweep whenever the previous one has ended,
    which on a busy site is a thread per request (~0.3 ms a comment submission, measured).
    Counters are checked for expiry whenever they are read, so the sweep only bounds memory,
    and once a second does that as well."""

    STORAGE_SCHEME = ["consult-memory"]
    SWEEP_EVERY = 1.0  # seconds

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        self._next_sweep = 0.0
        self._sweep_lock = threading.Lock()
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    # MemoryStorage calls self.__schedule_expiry() before every change (name-mangled).
    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 - the base class's name
        now = time.monotonic()
        if now < self._next_sweep:
            return
        with self._sweep_lock:
            if now < self._next_sweep or self.timer.is_alive():
                return
            self._next_sweep = now + self.SWEEP_EVERY
            self.timer = threading.Timer(0.01, self._MemoryStorage__expire_events)
            self.timer.daemon = True
            self.timer.start()
