"""The mall's background work. The outbox relay and the event consumers (``consumers.HANDLERS``) are run by
the kit (``python -m mall.worker``, or inside the HTTP process with ``LP_RUN_WORKERS``); the mall has no
deadline of its own to poll: certificates end by events from the certificate service."""
