"""The broker topology the operators own: the delivery limit and dead-lettering of each consumer queue.

They are set by RabbitMQ *policies*, never by queue arguments. A queue argument is fixed at declaration:
changing the limit in a release made every redeclaration fail with PRECONDITION_FAILED (consumer not
ready). A policy is changed on the broker, applies to the existing queue at once, and the services
declare their queues with ``x-queue-type`` alone.

One policy per consumer queue, because each queue dead-letters to its own ``<queue>.dlq`` through the
routing key. The same definitions are written into the RabbitMQ topology operator's ``Policy`` objects
(deploy/infra) and the compose broker's definitions file (deploy/compose); scripts/check_deploy.py
compares both with :func:`consumer_policy`.
"""

from __future__ import annotations

from typing import Any

# The limit the deploy files set. Since RabbitMQ 4.3 only basic.reject counts towards it (the consumer
# rejects a failed delivery, kit.bus.consumer), and 4.0 applies a default of 20 to every quorum queue.
DELIVERY_LIMIT = 5
POLICY_PRIORITY = 10


def policy_name(namespace: str, consumer: str) -> str:
    return f"{namespace}.{consumer}.dead-letter"


def consumer_policy(namespace: str, consumer: str, *, delivery_limit: int = DELIVERY_LIMIT) -> dict[str, Any]:
    """The policy of one consumer queue, in the shape of the management API / definitions file."""
    queue = f"{namespace}.{consumer}"
    return {
        "name": policy_name(namespace, consumer),
        "vhost": "/",
        # Anchored: the queue itself, not its .dlq nor another consumer whose name starts alike.
        "pattern": "^" + queue.replace(".", r"\.") + "$",
        "apply-to": "queues",
        "priority": POLICY_PRIORITY,
        "definition": {
            "delivery-limit": delivery_limit,
            "dead-letter-exchange": f"{namespace}.dlx",
            "dead-letter-routing-key": queue,
        },
    }
