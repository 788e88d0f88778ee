"""Use cases of the mall, by topic: ``promotion`` (the enterprise's material per model), ``pictures``,
``listing`` (上架/下架, the transition table in ``domain/statuses.py``), ``catalogue`` (the public mall) and
``brand_logos``. Each public use case owns one transaction; helpers that take a session never commit. Events
leave through the outbox in the same transaction as the change they announce."""
