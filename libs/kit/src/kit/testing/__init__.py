"""Test helpers for real services: fresh databases with migrations applied, an isolated bus namespace,
an S3 server (moto's, or MinIO when a ``minio`` binary is on PATH), signing keys and token minting."""
