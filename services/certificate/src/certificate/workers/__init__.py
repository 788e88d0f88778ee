"""The certificate service's background work beyond the kit's outbox relay and consumers: the expiry poller
(``expiry.py``), started by ``main.build_runtime`` as a kit background job."""

from certificate.workers.expiry import expire_certificates, expire_once

__all__ = ["expire_certificates", "expire_once"]
