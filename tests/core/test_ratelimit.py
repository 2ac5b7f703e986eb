"""The in-process rate-limit storage: limits' MemoryStorage without a sweeping thread started
for nearly every request."""

from __future__ import annotations

import time

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from consult.core import ratelimit


class FakeTimer:
    started = 0

    def __init__(self, interval, function):
        self.function = function
        self.daemon = False

    def start(self):
        FakeTimer.started += 1

    def is_alive(self):
        return False


def test_the_storage_is_chosen_by_its_uri():
    assert isinstance(storage_from_string("consult-memory://"), ratelimit.SweptMemoryStorage)


def test_it_limits_like_limits_memory_storage():
    limiter = FixedWindowRateLimiter(storage_from_string("consult-memory://"))
    five = parse("5 per minute")
    assert [limiter.hit(five, "198.51.100.7") for _ in range(6)] == [True] * 5 + [False]
    assert limiter.hit(five, "198.51.100.8")


def test_expired_counters_are_gone_when_read(monkeypatch):
    storage = ratelimit.SweptMemoryStorage()
    storage.incr("k", expiry=1)
    assert storage.get("k") == 1
    later = time.time() + 2
    monkeypatch.setattr(time, "time", lambda: later)
    assert storage.get("k") == 0


def test_the_sweep_runs_at_most_once_a_second(monkeypatch):
    storage = ratelimit.SweptMemoryStorage()
    storage.timer.join()  # the one limits starts when the storage is made
    monkeypatch.setattr(ratelimit.threading, "Timer", FakeTimer)
    clock = iter(x / 10 for x in range(10_000, 10_050))  # 50 hits over 5 seconds
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: next(clock))
    FakeTimer.started = 0
    for _ in range(50):
        storage.incr("198.51.100.7", expiry=60)
    assert storage.get("198.51.100.7") == 50
    assert FakeTimer.started == 5
