"""Object storage through the minio client (MinIO in production, any S3-compatible server locally).
The client is synchronous, so every call runs in a worker thread. Keys are always made by the server."""

from __future__ import annotations

import asyncio
import io
import uuid
from datetime import UTC, datetime, timedelta

import urllib3
from minio import Minio
from minio.error import S3Error

from kit.errors import NotFound


def new_key(prefix: str, suffix: str = "") -> str:
    now = datetime.now(UTC)
    return f"{prefix}/{now:%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Storage:
    def __init__(
        self, endpoint: str, access_key: str, secret_key: str, *, secure: bool, region: str, ca_file: str = ""
    ) -> None:
        # With ca_file the TLS certificate is verified against that CA (a private one: the MinIO tenant's
        # auto-cert) instead of certifi's public roots. Verification is never switched off.
        http_client = (
            urllib3.PoolManager(
                cert_reqs="CERT_REQUIRED",
                ca_certs=ca_file,
                timeout=urllib3.Timeout(connect=5, read=60),
                retries=urllib3.Retry(total=3, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
            )
            if ca_file
            else None
        )
        self.client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
            http_client=http_client,
        )

    async def ensure_bucket(self, bucket: str) -> None:
        def _ensure() -> None:
            if not self.client.bucket_exists(bucket):
                try:
                    self.client.make_bucket(bucket)
                except S3Error as exc:  # another replica made it first
                    if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                        raise

        await asyncio.to_thread(_ensure)

    async def put(
        self,
        bucket: str,
        key: str,
        data: bytes,
        *,
        content_type: str,
        metadata: dict[str, str] | None = None,
    ) -> None:
        await asyncio.to_thread(
            self.client.put_object,
            bucket,
            key,
            io.BytesIO(data),
            len(data),
            content_type=content_type,
            metadata=metadata,
        )

    async def get(self, bucket: str, key: str) -> bytes:
        def _get() -> bytes:
            try:
                response = self.client.get_object(bucket, key)
            except S3Error as exc:
                if exc.code in ("NoSuchKey", "NoSuchBucket"):
                    raise NotFound("文件不存在", code="file_not_found") from exc
                raise
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

        return await asyncio.to_thread(_get)

    async def delete(self, bucket: str, key: str) -> None:
        await asyncio.to_thread(self.client.remove_object, bucket, key)

    async def presigned_get(
        self,
        bucket: str,
        key: str,
        *,
        expires: timedelta = timedelta(minutes=10),
        filename: str | None = None,
    ) -> str:
        headers = None
        if filename:
            from urllib.parse import quote

            headers = {"response-content-disposition": f"attachment; filename*=UTF-8''{quote(filename)}"}
        return await asyncio.to_thread(
            self.client.presigned_get_object, bucket, key, expires=expires, response_headers=headers
        )

    async def ping(self) -> bool:
        await asyncio.to_thread(self.client.list_buckets)
        return True
