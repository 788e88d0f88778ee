"""Use cases of the auth service. Each opens one transaction, writes its outbox events and audit rows
in it, and talks to Redis or the SMS provider only around it."""
