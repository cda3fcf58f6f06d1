"""The admission policy in force: where it came from, reloading it, and taking a pushed one.

A policy that does not validate never replaces the one in force. A policy pushed from the
centre is written to the policy file (atomically) before it takes effect, so a restart keeps it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from edge.checkpoint.service import InvalidRequestError
from edge.core.bus import Bus
from edge.core.events import PolicyChanged
from edge.rules.policy import Policy
from edge.rules.policy_file import PolicyFileError, load_policy_file, write_policy_file

log = logging.getLogger(__name__)


class PolicyStore:
    def __init__(self, path: Path, policy: Policy, bus: Bus, clock: Callable[[], float]) -> None:
        self.path = path
        self.current = policy
        self.source = "file"
        self._bus = bus
        self._clock = clock

    def describe(self) -> dict[str, Any]:
        data: dict[str, Any] = self.current.model_dump(mode="json")
        data["version"] = self.current.version
        data["source"] = self.source
        return data

    def reload(self) -> dict[str, Any]:
        """Re-read the policy file; raises :class:`InvalidRequestError` naming the bad key."""
        try:
            policy = load_policy_file(self.path)
        except PolicyFileError as exc:
            raise InvalidRequestError(f"{exc.file}: {exc}") from None
        self._set(policy, "file")
        return self.describe()

    def apply(self, data: dict[str, Any], source: str = "central") -> None:
        """Apply a policy given as data (a central push); raises ``ValidationError``."""
        policy = Policy.model_validate(data)
        write_policy_file(self.path, policy)
        self._set(policy, source)

    def install(self, policy: Policy, source: str = "central") -> None:
        """Put a policy already validated (and written, see :meth:`write`) in force."""
        self._set(policy, source)

    def write(self, policy: Policy) -> None:
        """Write ``policy`` to the policy file (atomically), so a restart keeps it."""
        write_policy_file(self.path, policy)

    def _set(self, policy: Policy, source: str) -> None:
        self.current, self.source = policy, source
        log.info("admission policy %s applied (from %s)", policy.version, source)
        self._bus.publish(PolicyChanged(source, policy.version, self._clock()))
