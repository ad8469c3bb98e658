"""Login throttling per account and per client address (pure logic, a clock passed in for tests).

Failed logins are counted in a sliding window; reaching the limit locks the account (or the
address) for a while, during which logins are refused before the password is even hashed. Each
lockout is reported once, so the audit log gets one event per lockout, not one per guess.

    throttle = LoginThrottle(max_per_account=5, max_per_address=20, window_s=900, lockout_s=900)
    throttle.locked_for("ana", "10.0.0.7")     # seconds left, 0.0 when free
    throttle.failed("ana", "10.0.0.7")         # -> keys locked by this failure, e.g. [("account", "ana")]
    throttle.succeeded("ana")
"""

from __future__ import annotations

import time
from collections import deque
from typing import Callable

Key = tuple[str, str]  # ("account", name) or ("address", ip)
MAX_TRACKED = 10_000  # keys kept before stale ones are swept: random names cannot grow memory for ever


class LoginThrottle:
    def __init__(self, *, max_per_account: int, max_per_address: int, window_s: float, lockout_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = {"account": max_per_account, "address": max_per_address}
        self.window_s = window_s
        self.lockout_s = lockout_s
        self.clock = clock
        self._failures: dict[Key, deque[float]] = {}
        self._locked_until: dict[Key, float] = {}

    @staticmethod
    def keys(account: str, address: str | None) -> list[Key]:
        # Names differing only in case are one account here, so case variants cannot extend the guesses.
        keys = [("account", (account or "").strip().lower())]
        if address:
            keys.append(("address", address))
        return keys

    def locked_for(self, account: str, address: str | None) -> float:
        """Seconds until both the account and the address may try again (0.0: now)."""
        now = self.clock()
        return max([self._locked_until.get(k, 0.0) - now for k in self.keys(account, address)] + [0.0])

    def failed(self, account: str, address: str | None) -> list[Key]:
        """Count one failure; returns the keys this failure locked (each lockout is reported once)."""
        now = self.clock()
        locked = []
        for key in self.keys(account, address):
            if self._locked_until.get(key, 0.0) > now:
                continue  # already locked (a request that was in flight when the lock began)
            times = self._failures.setdefault(key, deque())
            times.append(now)
            while times and times[0] <= now - self.window_s:
                times.popleft()
            if len(times) >= self.limits[key[0]]:
                self._locked_until[key] = now + self.lockout_s
                del self._failures[key]
                locked.append(key)
        if len(self._failures) + len(self._locked_until) > MAX_TRACKED:
            self._sweep(now)
        return locked

    def succeeded(self, account: str) -> None:
        """A correct password clears the account's failures (never the address's: one valid account
        must not let an address keep guessing others)."""
        self._failures.pop(self.keys(account, None)[0], None)

    def _sweep(self, now: float) -> None:
        self._failures = {k: t for k, t in self._failures.items() if t and t[-1] > now - self.window_s}
        self._locked_until = {k: u for k, u in self._locked_until.items() if u > now}
