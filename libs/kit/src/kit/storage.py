"""Object storage through the minio client (MinIO in production, any S3-compatible server locally).
The client is synchronous, so every call runs in a worker thread. Keys are always made by the server."""

from __future__ import annotations

import asyncio
import io
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

import structlog
import urllib3
from minio import Minio
from minio.error import S3Error

from kit.errors import AppError, NotFound, Unavailable

log = structlog.get_logger("kit.storage")


class FileNotFound(NotFound):
    code = "file_not_found"
    message = "文件不存在"


class StorageUnavailable(Unavailable):
    code = "storage_unavailable"
    message = "文件存储暂不可用，请稍后重试"


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
        metadata: Mapping[str, str | list[str] | tuple[str]] | None = None,
    ) -> None:
        await asyncio.to_thread(
            self.client.put_object,
            bucket,
            key,
            io.BytesIO(data),
            len(data),
            content_type=content_type,
            metadata=dict(metadata) if metadata is not None else None,
        )

    async def get(self, bucket: str, key: str) -> bytes:
        def _get() -> bytes:
            try:
                response = self.client.get_object(bucket, key)
            except S3Error as exc:
                if exc.code in ("NoSuchKey", "NoSuchBucket"):
                    raise FileNotFound() from exc
                raise
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

        return await asyncio.to_thread(_get)

    async def delete(self, bucket: str, key: str) -> None:
        await asyncio.to_thread(self.client.remove_object, bucket, key)

    async def ping(self) -> bool:
        await asyncio.to_thread(self.client.list_buckets)
        return True


# Safe use from a use case: the store being away (or not configured) is a 503 for the caller, never a 500,
# and an object left behind by a deletion is logged, never turned into an error after the commit.


def _available(storage: Storage | None, message: str | None) -> Storage:
    if storage is None:
        raise StorageUnavailable(message)
    return storage


async def store(
    storage: Storage | None,
    bucket: str,
    key: str,
    data: bytes,
    *,
    content_type: str,
    metadata: Mapping[str, str] | None = None,
    message: str | None = None,
) -> None:
    """Put an object; any failure of the store answers 503 ``storage_unavailable`` (with ``message`` when
    given). Nothing was recorded yet, so the client may simply retry."""
    try:
        await _available(storage, message).put(
            bucket, key, data, content_type=content_type, metadata=metadata
        )
    except AppError:
        raise
    except Exception as exc:
        log.warning("storage_put_failed", bucket=bucket, error=type(exc).__name__)
        raise StorageUnavailable(message) from exc


async def load(storage: Storage | None, bucket: str, key: str, *, message: str | None = None) -> bytes:
    """Get an object: 404 ``file_not_found`` when it is missing, 503 ``storage_unavailable`` when the store
    fails."""
    try:
        return await _available(storage, message).get(bucket, key)
    except AppError:
        raise
    except Exception as exc:
        log.warning("storage_get_failed", bucket=bucket, error=type(exc).__name__)
        raise StorageUnavailable(message) from exc


async def discard(storage: Storage | None, bucket: str, keys: Iterable[str | None]) -> None:
    """Delete objects whose rows are gone (or were never written): they are unreachable already, so a
    failure only leaks space and is logged, never raised."""
    for key in keys:
        if not key:
            continue
        try:
            await _available(storage, None).delete(bucket, key)
        except Exception as exc:
            log.warning("storage_delete_failed", bucket=bucket, key=key, error=type(exc).__name__)
