"""QUALITY.md item 21 — events: publish → consumer start p50 ≤ 5 ms, p99 ≤ 25 ms at 200 events/s, and
≥ 1,000 confirmed messages/s in a burst with none lost. Real PostgreSQL outbox, relay with publisher confirms,
RabbitMQ quorum queue, consumer with inbox.

The producer (this process), the relay and the consumer run as three processes, as on the platform (the
relay and the consumers run in their services' worker processes). Every stage of each event is timed on the
machine's monotonic clock (shared by all processes), so the latency breaks down into:

    commit ─▶ NOTIFY reaches the relay ─▶ relay has claimed the row ─▶ basic.publish written
           ─▶ broker's confirm ─┐
           ─▶ delivered to the consumer ─▶ handler starts (after the inbox insert)

run: `uv run --frozen python bench/bench_events.py [--runs 2] [--profile DIR] [--no-report] [--json-out F]`
(`--profile DIR` samples the relay and the consumer with py-spy during the steady phase, and the consumer
that drains the burst's backlog)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aio_pika
import asyncpg
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import percentile, py_spy, write_report
from kit.bus import Consumer, Envelope, OutboxRelay, bus_metadata, emit

try:
    from kit.bus import batchable
except ImportError:  # a baseline kit (PYTHONPATH at an older copy) has no batching: handlers run alone

    def batchable(handler):  # type: ignore[no-redef]
        return handler


from kit.db import Database, new_metadata
from kit.settings import ServiceSettings
from sqlalchemy import Column, Integer, Table, Text, insert, text

md = new_metadata()
effects = Table("bench_effects", md, Column("id", Integer, primary_key=True), Column("tag", Text))
ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PREFETCH = 100
BATCH = 500


def now() -> float:
    """CLOCK_MONOTONIC is one clock for every process on the machine."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def _settings(namespace: str) -> ServiceSettings:
    return ServiceSettings(env="test", bus_namespace=namespace, consumer_prefetch=PREFETCH)


# ---- child processes -------------------------------------------------------------------------------------


async def _serve_until_term(ready: str) -> float:
    """Serve until SIGTERM; returns the CPU seconds (user + system) this process spent until SIGUSR1 (the end
    of the steady phase)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    marks = [resource.getrusage(resource.RUSAGE_SELF)]
    loop.add_signal_handler(signal.SIGUSR1, lambda: marks.append(resource.getrusage(resource.RUSAGE_SELF)))
    print(ready, flush=True)
    await stop.wait()
    after = marks[1] if len(marks) > 1 else resource.getrusage(resource.RUSAGE_SELF)
    return (after.ru_utime - marks[0].ru_utime) + (after.ru_stime - marks[0].ru_stime)


def install_relay_hooks() -> dict[str, Any]:
    """Timing hooks at the library boundaries the relay crosses (PostgreSQL claim, LISTEN callback, aio-pika
    publish), so the same hooks time the relay before and after a change to its internals."""
    from sqlalchemy.ext.asyncio import AsyncSession

    store: dict[str, Any] = {"wakes": [], "picks": {}, "sent": {}, "confirmed": {}}
    picks, sent, confirmed = store["picks"], store["sent"], store["confirmed"]

    real_execute = AsyncSession.execute

    class _Rows:
        def __init__(self, rows: list[Any]) -> None:
            self._rows = rows

        def all(self) -> list[Any]:
            return self._rows

    async def execute(self, statement, *args, **kwargs):  # type: ignore[no-untyped-def]
        result = await real_execute(self, statement, *args, **kwargs)
        if "SKIP LOCKED" in str(statement):
            rows = result.all()
            t = now()
            for row in rows:
                picks.setdefault(str(row.body["id"]), t)
            return _Rows(rows)
        return result

    AsyncSession.execute = execute  # type: ignore[method-assign]

    real_fetch = asyncpg.Connection.fetch

    async def fetch(self, query, *args, **kwargs):  # type: ignore[no-untyped-def]
        rows = await real_fetch(self, query, *args, **kwargs)
        if "SKIP LOCKED" in query:
            t = now()
            for row in rows:
                body = row["body"]
                picks.setdefault(str((json.loads(body) if isinstance(body, str) else body)["id"]), t)
        return rows

    asyncpg.Connection.fetch = fetch  # type: ignore[method-assign]

    real_add_listener = asyncpg.Connection.add_listener

    async def add_listener(self, channel, callback):  # type: ignore[no-untyped-def]
        def timed(*a: Any) -> None:
            store["wakes"].append(now())
            callback(*a)

        return await real_add_listener(self, channel, timed)

    asyncpg.Connection.add_listener = add_listener  # type: ignore[method-assign]

    real_publish = aio_pika.Exchange.publish

    async def publish(self, message, routing_key, **kwargs):  # type: ignore[no-untyped-def]
        sent.setdefault(message.message_id, now())
        result = await real_publish(self, message, routing_key, **kwargs)
        confirmed.setdefault(message.message_id, now())
        return result

    aio_pika.Exchange.publish = publish  # type: ignore[method-assign]
    return store


class TimedRelay:
    def __init__(self, url: str, namespace: str, store: dict[str, Any]) -> None:
        settings = _settings(namespace)
        self.store = store
        self.db = Database(url, pool_size=10)
        self.relay = OutboxRelay(
            db=self.db,
            database_url=url,
            amqp_url=settings.amqp_url,
            exchange_name=settings.exchange_name,
            service="bench",
            batch=BATCH,
        )
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.task = asyncio.create_task(self.relay.run())
        await asyncio.sleep(0.3)

    async def stop(self) -> dict[str, Any]:
        await self.relay.stop()
        if self.task is not None:
            self.task.cancel()
        await self.db.dispose()
        return self.store


class TimedConsumer:
    def __init__(self, url: str, namespace: str) -> None:
        self.store: dict[str, Any] = {"delivered": {}, "started": {}}
        delivered, started = self.store["delivered"], self.store["started"]

        class _Consumer(Consumer):
            async def _on_message(self, message):  # type: ignore[no-untyped-def]
                delivered.setdefault(message.message_id, now())
                await super()._on_message(message)

        @batchable  # it only writes to the database, as the platform's read-model handlers
        async def handler(session, event: Envelope) -> None:
            started.setdefault(str(event.id), now())
            await session.execute(insert(effects).values(tag=event.payload["tag"]))

        self.settings = _settings(namespace)
        self.db = Database(url, pool_size=10)
        self.consumer = _Consumer(
            name="bench", db=self.db, settings=self.settings, handlers={"bench.#": handler}
        )
        self.connection: aio_pika.abc.AbstractRobustConnection | None = None

    async def start(self) -> None:
        self.connection = await aio_pika.connect_robust(self.settings.amqp_url)
        await self.consumer.start(self.connection)

    async def stop(self) -> dict[str, Any]:
        await self.consumer.stop()
        if self.connection is not None:
            await self.connection.close()
        await self.db.dispose()
        return self.store


async def relay_process(url: str, namespace: str, out: str) -> None:
    relay = TimedRelay(url, namespace, install_relay_hooks())
    await relay.start()
    cpu = await _serve_until_term("ready")
    store = await relay.stop()
    Path(out).write_text(json.dumps({**store, "cpu": cpu}))


async def consumer_process(url: str, namespace: str, out: str) -> None:
    consumer = TimedConsumer(url, namespace)
    await consumer.start()
    cpu = await _serve_until_term("ready")
    store = await consumer.stop()
    Path(out).write_text(json.dumps({**store, "cpu": cpu}))


# ---- the orchestrating producer --------------------------------------------------------------------------


class Child:
    def __init__(self, role: str, url: str, namespace: str, workdir: str) -> None:
        self.pid = 0
        self.role, self.url, self.namespace = role, url, namespace
        self.out = os.path.join(workdir, f"{role}-{uuid.uuid4().hex[:6]}.json")
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> int:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--role",
            self.role,
            "--url",
            self.url,
            "--namespace",
            self.namespace,
            "--out",
            self.out,
            stdout=asyncio.subprocess.PIPE,
        )
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), 30)
        if line.strip() != b"ready":
            raise RuntimeError(f"{self.role} did not start: {line!r}")
        self.pid = self.proc.pid
        return self.pid

    def mark(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGUSR1)

    async def stop(self) -> dict[str, Any]:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(self.proc.wait(), 30)
        return json.loads(Path(self.out).read_text())


class InProcess:
    """The single-process layout of the earlier bench: relay and consumer on the producer's event loop."""

    _hooks: dict[str, Any] | None = None

    def __init__(self, role: str, url: str, namespace: str) -> None:
        self.role, self.pid = role, os.getpid()
        if role == "relay":
            if InProcess._hooks is None:
                InProcess._hooks = install_relay_hooks()
            for v in InProcess._hooks.values():
                v.clear()
            self.part: TimedRelay | TimedConsumer = TimedRelay(url, namespace, InProcess._hooks)
        else:
            self.part = TimedConsumer(url, namespace)

    async def start(self) -> int:
        await self.part.start()
        return self.pid

    def mark(self) -> None:
        pass

    async def stop(self) -> dict[str, Any]:
        return {**(await self.part.stop()), "cpu": float("nan")}


def _stats(values: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values]
    return {
        "n": len(ms),
        "p50": percentile(ms, 50),
        "p90": percentile(ms, 90),
        "p99": percentile(ms, 99),
        "max": max(ms) if ms else float("nan"),
    }


async def run_once(
    rate: int, seconds: int, burst: int, profile: str | None, single: bool = False
) -> dict[str, Any]:
    name = f"lpbench_events_{uuid.uuid4().hex[:6]}"
    namespace = f"lpevents{uuid.uuid4().hex[:6]}"
    workdir = tempfile.mkdtemp(prefix="lpevents-")
    admin = await asyncpg.connect(ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    db = Database(url, pool_size=10)
    settings = _settings(namespace)
    committed: dict[str, float] = {}
    commit_order: list[str] = []
    result: dict[str, Any] = {}
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(bus_metadata.create_all)
            await conn.run_sync(md.create_all)

        def part(role: str) -> Child | InProcess:
            return InProcess(role, url, namespace) if single else Child(role, url, namespace, workdir)

        consumer = part("consumer")
        relay = part("relay")
        consumer_pid = await consumer.start()  # declares and binds the queue before anything is published
        relay_pid = await relay.start()
        await asyncio.sleep(0.5)

        async def spy(role: str, pid: int) -> asyncio.subprocess.Process:
            assert profile is not None
            return await asyncio.create_subprocess_exec(
                *py_spy(pid, seconds, Path(profile) / f"{role}.txt", rate=500),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )

        spies: list[asyncio.subprocess.Process] = []
        if profile:
            Path(profile).mkdir(parents=True, exist_ok=True)
            for role, pid in (("relay", relay_pid), ("consumer", consumer_pid)):
                spies.append(await spy(role, pid))

        # Steady rate: each event committed in its own transaction, paced at `rate` per second.
        total = rate * seconds
        interval = 1.0 / rate
        t_start = now()
        for i in range(total):
            async with db.transaction() as session:
                env = await emit(session, "bench.steady", {"tag": f"s{i}"})
            committed[str(env.id)] = now()
            commit_order.append(str(env.id))
            delay = t_start + (i + 1) * interval - now()
            if delay > 0:
                await asyncio.sleep(delay)
        achieved_rate = total / (now() - t_start)

        async def handled() -> int:
            async with db.session() as session:
                return int((await session.execute(text("SELECT count(*) FROM bench_effects"))).scalar_one())

        deadline = time.monotonic() + 30
        while await handled() < total and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        steady_handled = await handled()
        for sampler in spies:
            await sampler.wait()
        relay.mark()
        consumer.mark()
        consumer_t = await consumer.stop()

        # Burst: N events written in one transaction while the relay runs; timed from the commit to the
        # broker's last confirm. The consumer is stopped meanwhile (it runs in its own pods, not on the relay's
        # core), then a fresh consumer drains the queue.
        burst_ids: list[str] = []
        async with db.transaction() as session:
            for i in range(burst):
                burst_ids.append(str((await emit(session, "bench.burst", {"tag": f"b{i}"})).id))
        t_burst = now()

        async def unsent() -> int:
            async with db.session() as session:
                return int(
                    (
                        await session.execute(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL"))
                    ).scalar_one()
                )

        deadline = time.monotonic() + 60
        while await unsent() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        relay_t = await relay.stop()
        burst_confirms = [relay_t["confirmed"][k] for k in burst_ids if k in relay_t["confirmed"]]
        burst_seconds = max(burst_confirms) - t_burst if burst_confirms else float("inf")
        burst_confirmed = len(burst_confirms)
        drain = part("consumer")
        drain_pid = await drain.start()
        if profile and not single:  # the batches of a backlog (py-spy ends with the process)
            spies.append(await spy("drain", drain_pid))
        t_drain = now()
        deadline = time.monotonic() + 60
        while await handled() < total + burst and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        drain_seconds = now() - t_drain
        final_handled = await handled()
        drain.mark()
        drain_t = await drain.stop()
        for sampler in spies:
            await sampler.wait()

        connection = await aio_pika.connect_robust(settings.amqp_url)
        channel = await connection.channel()
        await channel.queue_delete(settings.queue_name("bench"))
        await channel.queue_delete(f"{settings.queue_name('bench')}.dlq")
        await channel.exchange_delete(settings.exchange_name)
        await channel.exchange_delete(settings.dead_letter_exchange)
        await connection.close()
        await asyncio.sleep(0.1)  # let aio-pika's close callbacks finish before the loop ends
    finally:
        await db.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
        shutil.rmtree(workdir, ignore_errors=True)

    picks, sent, conf = relay_t["picks"], relay_t["sent"], relay_t["confirmed"]
    deliv, start = consumer_t["delivered"], consumer_t["started"]

    def span(a: dict[str, float], b: dict[str, float]) -> list[float]:
        return [b[k] - a[k] for k in commit_order if k in a and k in b]

    # One NOTIFY per committed transaction, delivered in commit order: the k-th wake-up answers the k-th commit.
    wakes = relay_t["wakes"]
    wake_by_id = {k: wakes[i] for i, k in enumerate(commit_order) if i < len(wakes)}
    result["stages"] = {
        "commit → NOTIFY at relay": _stats(span(committed, wake_by_id)),
        "commit → relay picked row": _stats(span(committed, picks)),
        "picked → basic.publish written": _stats(span(picks, sent)),
        "publish → broker confirm": _stats(span(sent, conf)),
        "publish → delivered to consumer": _stats(span(sent, deliv)),
        "delivered → handler start": _stats(span(deliv, start)),
        "publish → consumer handler start": _stats(span(sent, start)),
        "commit → handler start (end to end)": _stats(span(committed, start)),
    }
    result.update(
        rate=achieved_rate,
        total=total,
        steady_handled=steady_handled,
        burst=burst,
        burst_per_s=burst_confirmed / burst_seconds,
        burst_confirmed=burst_confirmed,
        lost=total + burst - final_handled,
        wakes=len(wakes),
        layout="one process (producer, relay, consumer on one event loop)" if single else "three processes",
        relay_cpu_ms_per_event=relay_t["cpu"] * 1000 / total,
        consumer_cpu_ms_per_event=consumer_t["cpu"] * 1000 / total,
        # a backlog drained by a fresh consumer: where batches form
        drain_per_s=burst / drain_seconds,
        consumer_drain_cpu_ms_per_event=drain_t["cpu"] * 1000 / burst,
    )
    return result


def _print(result: dict[str, Any]) -> None:
    print(
        f"\nsteady {result['total']} at {result['rate']:.0f}/s, handled {result['steady_handled']}; "
        f"burst {result['burst']} confirmed at {result['burst_per_s']:.0f}/s; lost {result['lost']}; CPU per event: "
        f"relay {result['relay_cpu_ms_per_event']:.2f} ms, consumer {result['consumer_cpu_ms_per_event']:.2f} ms; "
        f"backlog drained at {result['drain_per_s']:.0f}/s, consumer "
        f"{result['consumer_drain_cpu_ms_per_event']:.2f} ms CPU per event"
    )
    for stage, s in result["stages"].items():
        print(
            f"  {stage:38s} n={s['n']:5d} p50={s['p50']:7.2f} p90={s['p90']:7.2f} p99={s['p99']:7.2f} "
            f"max={s['max']:7.2f} ms"
        )


def breakdown_table(columns: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Markdown rows: one line per stage, p50 / p99 in ms for each (label, run) column."""
    lines = [
        "| stage (ms, p50 / p99) | " + " | ".join(label for label, _ in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for stage in columns[0][1]["stages"]:
        cells = [f"{r['stages'][stage]['p50']:.2f} / {r['stages'][stage]['p99']:.2f}" for _, r in columns]
        lines.append(f"| {stage} | " + " | ".join(cells) + " |")
    lines.append(
        "| CPU per event: relay / consumer | "
        + " | ".join(
            f"{r['relay_cpu_ms_per_event']:.2f} / {r['consumer_cpu_ms_per_event']:.2f}" for _, r in columns
        )
        + " |"
    )
    lines.append(
        "| burst confirmed (msg/s) | " + " | ".join(f"{r['burst_per_s']:.0f}" for _, r in columns) + " |"
    )
    lines.append("| lost | " + " | ".join(str(r["lost"]) for _, r in columns) + " |")
    return lines


async def main(
    runs: int,
    rate: int,
    seconds: int,
    burst: int,
    profile: str | None,
    report: bool,
    label: str,
    json_out: str | None,
    single: bool = False,
) -> None:
    results = []
    for i in range(runs):
        r = await run_once(rate, seconds, burst, profile if i == 0 else None, single)
        _print(r)
        results.append(r)
    if json_out:
        Path(json_out).write_text(json.dumps({"label": label, "runs": results}))
    if not report:
        return
    key = "publish → consumer handler start"
    e2e = "commit → handler start (end to end)"
    worst = max(results, key=lambda r: r["stages"][e2e]["p99"])
    p50, p99 = worst["stages"][key]["p50"], worst["stages"][key]["p99"]
    e50, e99 = worst["stages"][e2e]["p50"], worst["stages"][e2e]["p99"]
    per_s = min(r["burst_per_s"] for r in results)
    lost = sum(r["lost"] for r in results)
    write_report(
        "events",
        "Events: outbox → relay → RabbitMQ → consumer (QUALITY.md 21)",
        [
            (
                f"publish → consumer start p50 at {worst['rate']:.0f} events/s",
                f"{p50:.2f} ms",
                "≤ 5 ms",
                "yes" if p50 <= 5 else "no",
            ),
            (
                f"publish → consumer start p99 at {worst['rate']:.0f} events/s",
                f"{p99:.2f} ms",
                "≤ 25 ms",
                "yes" if p99 <= 25 else "no",
            ),
            ("commit → handler start p50 (end to end)", f"{e50:.2f} ms", "—", "—"),
            ("commit → handler start p99 (end to end)", f"{e99:.2f} ms", "—", "—"),
            (
                f"burst of {worst['burst']}: confirmed by the broker",
                f"{per_s:.0f} msg/s",
                "≥ 1,000 msg/s",
                "yes" if per_s >= 1000 else "no",
            ),
            ("lost (written − handled)", str(lost), "0", "yes" if lost == 0 else "no"),
        ],
        notes="\n".join(
            [
                f"{runs} run(s); the worst (by end-to-end p99) is shown above. Producer, relay and consumer run in "
                "three processes, as on the platform. Stages of every steady event:",
                "",
                *breakdown_table([(f"run {i + 1}", r) for i, r in enumerate(results)]),
            ]
        ),
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--role", choices=["relay", "consumer"])
    parser.add_argument("--url")
    parser.add_argument("--namespace")
    parser.add_argument("--out")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--burst", type=int, default=5000)
    parser.add_argument("--profile")
    parser.add_argument("--label", default="")
    parser.add_argument("--no-report", action="store_true")
    parser.add_argument("--json-out")
    parser.add_argument(
        "--single-process",
        action="store_true",
        help="relay and consumer on the producer's event loop (the earlier bench's layout)",
    )
    a = parser.parse_args()
    if a.role == "relay":
        uvloop.run(relay_process(a.url, a.namespace, a.out))  # the loop of kit.worker.serve
    elif a.role == "consumer":
        uvloop.run(consumer_process(a.url, a.namespace, a.out))
    else:
        asyncio.run(
            main(
                a.runs,
                a.rate,
                a.seconds,
                a.burst,
                a.profile,
                not a.no_report,
                a.label,
                a.json_out,
                a.single_process,
            )
        )
