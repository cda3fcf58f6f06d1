"""Issue 12, item 12: login throttling per client and per account.

Before: five wrong passwords for ``staff`` locked ``staff`` out for a minute for everyone (the
real user too), while one client trying 30 user names in 5 s was never slowed. Now a client
that keeps failing is slowed whatever names it tries; an account under attack refuses clients
it does not know, and still lets its own user in, with the right password, from a client that
has logged in as that user before. The bookkeeping has a bound, however many clients try.

Each client is a different loopback source address (127.0.0.x), as tablets on a LAN are.
The rates are set so that nothing refills during a test, whatever the machine's speed.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.security.conftest import client_at
from tests.web.conftest import PASSWORDS, LiveServer


def _try(client: httpx.Client, base: str, user: str, password: str) -> httpx.Response:
    return client.post(
        f"{base}/api/login",
        json={"username": user, "password": password},
        headers={"Origin": base},
    )


def test_an_attack_on_an_account_does_not_lock_out_its_user(
    make_live: Callable[..., LiveServer],
) -> None:
    live = make_live(login_attempts=5, lockout_s=3600)
    with client_at("127.0.0.11") as own_tablet:
        assert _try(own_tablet, live.url, "sue", PASSWORDS["sue"]).status_code == 200
    with client_at("127.0.0.66") as attacker:
        codes = [_try(attacker, live.url, "sue", f"guess-{i}").status_code for i in range(8)]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
    with client_at("127.0.0.67") as elsewhere:
        # An unknown client, even with the right password, waits while the attack lasts...
        refused = _try(elsewhere, live.url, "sue", PASSWORDS["sue"])
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    with client_at("127.0.0.11") as own_tablet:
        # ...but the supervisor's own tablet logs in at once.
        assert _try(own_tablet, live.url, "sue", PASSWORDS["sue"]).status_code == 200
    with client_at("127.0.0.12") as colleague:
        # And other accounts are untouched.
        assert _try(colleague, live.url, "sam", PASSWORDS["sam"]).status_code == 200


def test_one_client_spraying_many_user_names_is_slowed(
    make_live: Callable[..., LiveServer],
) -> None:
    live = make_live(client_login_attempts=10, client_lockout_s=3600)
    with client_at("127.0.0.77") as sprayer:
        codes = [_try(sprayer, live.url, f"user{i}", "Summer2026!").status_code for i in range(30)]
        assert codes[:10] == [401] * 10 and set(codes[10:]) == {429}, codes
        # Real names and even a right password are refused while this client is slowed.
        assert _try(sprayer, live.url, "sam", PASSWORDS["sam"]).status_code == 429
    with client_at("127.0.0.78") as neighbour:
        assert _try(neighbour, live.url, "sam", PASSWORDS["sam"]).status_code == 200


def test_basic_auth_is_throttled_like_a_login(make_live: Callable[..., LiveServer]) -> None:
    live = make_live(client_login_attempts=3, client_lockout_s=3600)
    with client_at("127.0.0.88") as client:
        codes = [
            client.get(f"{live.url}/api/me", auth=("sam", f"wrong-{i}")).status_code
            for i in range(5)
        ]
        assert codes[:3] == [401] * 3 and set(codes[3:]) == {429}


def test_the_bookkeeping_is_bounded_however_many_clients_try() -> None:
    from edge.auth.errors import TooManyAttemptsError
    from edge.auth.throttle import LoginThrottle

    now = [0.0]
    throttle = LoginThrottle(
        accounts={"sam"},
        account_attempts=5,
        account_period_s=60,
        client_attempts=10,
        client_period_s=300,
        max_clients=1000,
        clock=lambda: now[0],
    )
    throttle.succeeded(throttle.admit("sam", "192.168.1.20"))  # sam's own tablet
    refused = 0
    for i in range(50_000):
        client = f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"
        try:
            ticket = throttle.admit("sam" if i % 2 else f"nobody-{i}", client)
        except TooManyAttemptsError:
            refused += 1
            continue
        throttle.failed(ticket)
        now[0] += 0.001
    assert throttle.tracked_clients() <= 1000
    assert throttle.tracked_accounts() <= 1  # unknown names are never kept
    assert refused > 20_000  # sam's account refused the unknown clients once under attack
    with pytest.raises(TooManyAttemptsError):
        throttle.admit("sam", "192.168.1.21")
    throttle.succeeded(throttle.admit("sam", "192.168.1.20"))
