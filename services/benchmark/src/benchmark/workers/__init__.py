"""The benchmark service's background work. The outbox relay and the event consumers (``consumers.HANDLERS``)
are run by the kit (``python -m benchmark.worker``, or inside the HTTP process with ``LP_RUN_WORKERS``); the
service has no deadline of its own to poll."""
