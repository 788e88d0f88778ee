"""The object store behind evidence and model pictures. An outage of the store is a 503 for the caller,
and a file left behind by a deletion is logged, never turned into an error after the commit."""

from __future__ import annotations

import structlog
from kit.errors import AppError, Unavailable
from kit.runtime import Runtime

log = structlog.get_logger("declaration.files")


def _storage(runtime: Runtime):
    if runtime.storage is None:
        raise Unavailable("文件存储暂不可用，请稍后重试", code="storage_unavailable")
    return runtime.storage


async def put(runtime: Runtime, bucket: str, key: str, data: bytes, *, content_type: str) -> None:
    try:
        await _storage(runtime).put(bucket, key, data, content_type=content_type)
    except AppError:
        raise
    except Exception as exc:
        log.warning("storage_put_failed", bucket=bucket, error=type(exc).__name__)
        raise Unavailable("文件存储暂不可用，请稍后重试", code="storage_unavailable") from exc


async def get(runtime: Runtime, bucket: str, key: str) -> bytes:
    try:
        return await _storage(runtime).get(bucket, key)
    except AppError:
        raise
    except Exception as exc:
        log.warning("storage_get_failed", bucket=bucket, error=type(exc).__name__)
        raise Unavailable("文件存储暂不可用，请稍后重试", code="storage_unavailable") from exc


async def discard(runtime: Runtime, bucket: str, keys: list[str]) -> None:
    """After the rows are gone: the objects are unreachable already, so a failure here only leaks space."""
    for key in keys:
        try:
            await _storage(runtime).delete(bucket, key)
        except Exception as exc:
            log.warning("storage_delete_failed", bucket=bucket, key=key, error=type(exc).__name__)
