"""A scratch database with the bus tables (and the test's own tables) for the kit's bus tests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from kit.bus import bus_metadata
from kit.db import Database
from kit.testing.fixtures import PG_BASE, create_database, drop_database
from sqlalchemy import MetaData


@asynccontextmanager
async def scratch_database(*extra: MetaData, pool_size: int = 3) -> AsyncIterator[Database]:
    name = f"lpt_kit_{uuid.uuid4().hex[:8]}"
    await create_database(name)
    database = Database(f"{PG_BASE}/{name}", pool_size=pool_size)
    database.url = f"{PG_BASE}/{name}"
    try:
        async with database.engine.begin() as conn:
            for metadata in (bus_metadata, *extra):
                await conn.run_sync(metadata.create_all)
        yield database
    finally:
        await database.dispose()
        await drop_database(name)


@pytest.fixture
def scratch_db() -> Callable[..., AsyncIterator[Database]]:
    """``async with scratch_db(my_metadata, pool_size=5) as db``: a fresh database, dropped afterwards."""
    return scratch_database
