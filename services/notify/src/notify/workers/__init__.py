"""Background jobs of the notify service: the dispatcher that sends SMS and e-mail after commit
(``dispatch.dispatch_deliveries``, run by ``notify.worker`` or inside the HTTP process)."""
