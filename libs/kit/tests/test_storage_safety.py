"""Safe storage use from a use case: an unreachable store is a 503 ``storage_unavailable`` (never a 500), a
missing object a 404, and a failed deletion is logged and swallowed (the row was what made it visible)."""

from __future__ import annotations

import pytest
from kit.errors import AppError, NotFound
from kit.storage import StorageUnavailable, discard, load, store


class FlakyStorage:
    def __init__(self, *, fail: bool) -> None:
        self.fail = fail
        self.objects: dict[tuple[str, str], bytes] = {}
        self.deleted: list[str] = []

    async def put(self, bucket, key, data, *, content_type, metadata=None):
        if self.fail:
            raise ConnectionError("S3 away")
        self.objects[bucket, key] = data

    async def get(self, bucket, key):
        if self.fail:
            raise ConnectionError("S3 away")
        if (bucket, key) not in self.objects:
            raise NotFound("文件不存在")
        return self.objects[bucket, key]

    async def delete(self, bucket, key):
        if self.fail:
            raise ConnectionError("S3 away")
        self.deleted.append(key)


async def test_a_working_store_puts_gets_and_deletes():
    storage = FlakyStorage(fail=False)
    await store(storage, "b", "k", b"data", content_type="application/pdf")
    assert await load(storage, "b", "k") == b"data"
    with pytest.raises(NotFound):
        await load(storage, "b", "missing")
    await discard(storage, "b", ["k", None, "j"])
    assert storage.deleted == ["k", "j"]


@pytest.mark.parametrize("storage", [FlakyStorage(fail=True), None])
async def test_an_unreachable_or_missing_store_is_503_with_the_callers_message(storage):
    with pytest.raises(StorageUnavailable) as caught:
        await store(
            storage, "b", "k", b"data", content_type="image/png", message="图片存储暂时不可用，请稍后再试"
        )
    assert (caught.value.status_code, caught.value.code) == (503, "storage_unavailable")
    assert caught.value.message == "图片存储暂时不可用，请稍后再试"
    with pytest.raises(StorageUnavailable) as caught:
        await load(storage, "b", "k")
    assert caught.value.message == StorageUnavailable.message


async def test_a_failed_deletion_is_not_an_error():
    await discard(FlakyStorage(fail=True), "b", ["k"])
    await discard(None, "b", ["k"])
    assert issubclass(StorageUnavailable, AppError)
