"""Setting the operators' queue policies (kit.bus.topology) on the test broker, through rabbitmqctl:
``LP_TEST_RABBITMQCTL`` names the command (default ``rabbitmqctl``; e.g. ``docker exec lp-rabbitmq
rabbitmqctl`` when the broker runs in a container)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kit.bus.topology import consumer_policy


def rabbitmqctl(*args: str, timeout: float = 120) -> str:
    command = [*shlex.split(os.environ.get("LP_TEST_RABBITMQCTL", "rabbitmqctl")), *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {(result.stderr or result.stdout).strip()[:500]}")
    return result.stdout


def import_policies(policies: list[dict[str, Any]]) -> None:
    """One rabbitmqctl call for all of them (each call costs seconds of Erlang start-up)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"policies": policies}, handle)
    try:
        # The file is read by the broker node: it must be readable by the rabbitmq user.
        os.chmod(handle.name, 0o644)
        rabbitmqctl("import_definitions", handle.name)
    finally:
        os.unlink(handle.name)


@contextmanager
def dead_letter_policy(namespace: str, consumer: str, *, delivery_limit: int) -> Iterator[dict[str, Any]]:
    """The consumer queue's policy, as deploy/ sets it, for the duration of a test."""
    policy = consumer_policy(namespace, consumer, delivery_limit=delivery_limit)
    import_policies([policy])
    try:
        yield policy
    finally:
        rabbitmqctl("clear_policy", "-p", policy["vhost"], policy["name"])
