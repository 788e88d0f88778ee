"""HTTP routes of the notify service (public paths under ``/api/notify``)."""
