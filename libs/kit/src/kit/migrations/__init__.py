"""Alembic per service. Each service's ``migrations/env.py`` calls :func:`run_env`; the process that starts
a service first runs ``python -m kit.migrations <service>``, which creates the database when it is missing
(development) and upgrades it to head."""

from __future__ import annotations

import asyncio
import importlib
import os
from pathlib import Path

import asyncpg
from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import async_engine_from_config

from kit.bus.tables import bus_metadata


def service_dir(service: str) -> Path:
    module = importlib.import_module(service)
    if module.__file__ is None:
        raise ValueError(f"{service} is not a service package")
    return Path(module.__file__).resolve().parents[2]  # services/<name>/src/<name>/__init__.py


def alembic_config(service: str, database_url: str) -> Config:
    root = service_dir(service)
    cfg = Config(str(root / "alembic.ini"))
    cfg.set_main_option("script_location", str(root / "migrations"))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


async def ensure_database(database_url: str) -> None:
    url = make_url(database_url)
    admin = url.set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", url.database)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{url.database}"')
    finally:
        await conn.close()


def upgrade(service: str, database_url: str, *, create: bool = True) -> None:
    if create:
        asyncio.run(ensure_database(database_url))
    command.upgrade(alembic_config(service, database_url), "head")


def _run_sync(connection: Connection, target: list[MetaData]) -> None:
    context.configure(connection=connection, target_metadata=target, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_env(target_metadata: MetaData) -> None:
    """Body of a service's ``migrations/env.py``: online, async, with the outbox and inbox tables included."""
    config = context.config
    url = os.environ.get("LP_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    target = [target_metadata, bus_metadata]

    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    async def _online() -> None:
        section = config.get_section(config.config_ini_section, {})
        section["sqlalchemy.url"] = config.get_main_option("sqlalchemy.url") or url or ""
        engine = async_engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(_run_sync, target)
        await engine.dispose()

    asyncio.run(_online())
