"""Use cases of the certificate service, by topic: ``references`` (copies fed by other services' events),
``certificates`` (issue, append, stamp, revoke, expire, read), ``labels`` (forerunner and star labels) and
``verification`` (the public check behind every QR code); ``common`` holds what they share. Each runs inside
one transaction owned by its caller (the kit's consumer or a route's ``db.transaction()``), writes its events
to the outbox in that same transaction, and never commits itself."""
