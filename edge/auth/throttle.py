"""Login throttling per client and per account, with bounded bookkeeping.

Two kinds of token bucket, each holding N attempts that refill evenly over a period:

- one per **client** (an IPv4 address, or an IPv6 /64): every attempt takes a token, whatever
  the name tried, so one client trying many names (password spraying) is slowed after N;
- one per **account** that exists: an account that has failed N times lately refuses clients
  that have never logged in as it, so a guesser elsewhere on the network is stopped, while
  the account's own user, from a client that has logged in as them before, still gets in
  with the right password (a lockout would let any guesser lock the real user out).

A token is taken when an attempt is admitted, before the password is checked (so a burst of
parallel guesses cannot all slip through, and a refused guess costs no scrypt), and handed
back when the password was right. Names that are no account are never tracked, and the
clients tracked are capped: full buckets say nothing and are dropped first, then the least
recently seen. The clock is passed in; nothing here sleeps or does I/O.
"""

from __future__ import annotations

import collections
import ipaddress
import math
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

from edge.auth.errors import TooManyAttemptsError

#: clients an account remembers as having logged in as it (newest kept)
KNOWN_CLIENTS_PER_ACCOUNT = 32


class _Bucket:
    __slots__ = ("tokens", "updated")

    def __init__(self, tokens: float, updated: float) -> None:
        self.tokens = tokens
        self.updated = updated


@dataclass(frozen=True, slots=True)
class Ticket:
    """An admitted attempt: report it with :meth:`LoginThrottle.failed` or ``succeeded``."""

    account: str | None  # None: the name is no account
    client: str


def client_key(address: str) -> str:
    """The unit a client is counted in: an IPv4 address, or the /64 of an IPv6 address (one
    host usually holds a whole /64)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


class LoginThrottle:
    def __init__(
        self,
        accounts: Collection[str],
        *,
        account_attempts: int,
        account_period_s: float,
        client_attempts: int,
        client_period_s: float,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._accounts = set(accounts)
        self._account_capacity = float(account_attempts)
        self._account_rate = account_attempts / account_period_s if account_period_s else math.inf
        self._client_capacity = float(client_attempts)
        self._client_rate = client_attempts / client_period_s if client_period_s else math.inf
        self._max_clients = max_clients
        self._clock = clock
        self._clients: collections.OrderedDict[str, _Bucket] = collections.OrderedDict()
        self._account_buckets: dict[str, _Bucket] = {}
        self._known: dict[str, collections.OrderedDict[str, None]] = {}

    # -- the three calls ----------------------------------------------------------------------
    def admit(self, username: str, address: str) -> Ticket:
        """Take a token for one attempt, or raise :class:`TooManyAttemptsError`."""
        now = self._clock()
        client = client_key(address)
        account = username if username in self._accounts else None
        client_bucket = self._client_bucket(client, now)
        if client_bucket.tokens < 1:
            raise TooManyAttemptsError(self._wait(client_bucket, self._client_rate))
        account_bucket = self._account_bucket(account, now) if account is not None else None
        if (
            account_bucket is not None
            and account_bucket.tokens < 1
            and not self.knows(account or "", client)
        ):
            raise TooManyAttemptsError(self._wait(account_bucket, self._account_rate))
        client_bucket.tokens -= 1
        if account_bucket is not None:
            account_bucket.tokens = max(0.0, account_bucket.tokens - 1)
        return Ticket(account, client)

    def failed(self, ticket: Ticket) -> None:
        """A wrong password: the tokens taken stay taken."""

    def succeeded(self, ticket: Ticket) -> None:
        """The right password: hand the tokens back and remember the client for the account."""
        now = self._clock()
        bucket = self._clients.get(ticket.client)
        if bucket is not None:
            self._refill(bucket, now, self._client_rate, self._client_capacity)
            bucket.tokens = min(self._client_capacity, bucket.tokens + 1)
        if ticket.account is None:
            return
        account_bucket = self._account_buckets.get(ticket.account)
        if account_bucket is not None:
            self._refill(account_bucket, now, self._account_rate, self._account_capacity)
            account_bucket.tokens = min(self._account_capacity, account_bucket.tokens + 1)
        known = self._known.setdefault(ticket.account, collections.OrderedDict())
        known[ticket.client] = None
        known.move_to_end(ticket.client)
        while len(known) > KNOWN_CLIENTS_PER_ACCOUNT:
            known.popitem(last=False)

    # -- looking in -----------------------------------------------------------------------------
    def knows(self, username: str, address: str) -> bool:
        return client_key(address) in self._known.get(username, {})

    def tracked_clients(self) -> int:
        return len(self._clients)

    def tracked_accounts(self) -> int:
        return len(self._account_buckets)

    def add_account(self, username: str) -> None:
        self._accounts.add(username)

    # -- buckets --------------------------------------------------------------------------------
    @staticmethod
    def _refill(bucket: _Bucket, now: float, rate: float, capacity: float) -> None:
        elapsed = max(0.0, now - bucket.updated)
        bucket.tokens = min(capacity, bucket.tokens + elapsed * rate)
        bucket.updated = now

    @staticmethod
    def _wait(bucket: _Bucket, rate: float) -> float:
        return (1 - bucket.tokens) / rate if rate > 0 else math.inf

    def _client_bucket(self, client: str, now: float) -> _Bucket:
        bucket = self._clients.get(client)
        if bucket is None:
            if len(self._clients) >= self._max_clients:
                self._make_room(now)
            bucket = self._clients[client] = _Bucket(self._client_capacity, now)
        else:
            self._clients.move_to_end(client)
            self._refill(bucket, now, self._client_rate, self._client_capacity)
        return bucket

    def _account_bucket(self, account: str, now: float) -> _Bucket:
        bucket = self._account_buckets.get(account)
        if bucket is None:
            bucket = self._account_buckets[account] = _Bucket(self._account_capacity, now)
        else:
            self._refill(bucket, now, self._account_rate, self._account_capacity)
        return bucket

    def _make_room(self, now: float) -> None:
        # Down to nine tenths at once, so that the sweep is paid for by many new clients.
        for client, bucket in list(self._clients.items()):
            self._refill(bucket, now, self._client_rate, self._client_capacity)
            if bucket.tokens >= self._client_capacity:
                del self._clients[client]
        target = self._max_clients * 9 // 10
        while len(self._clients) > target:
            self._clients.popitem(last=False)
