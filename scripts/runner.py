"""The local runner: starts the whole platform on this host (no Docker) against the local PostgreSQL,
RabbitMQ and Redis, an S3-compatible server (a ``minio`` binary on PATH, else moto's server), every service
and the gateway, loads demo data and prints the demo accounts.

    python scripts/runner.py up        # start (idempotent), print URL and accounts
    python scripts/runner.py up --separate-workers   # as deployed: HTTP processes + one worker per service
    python scripts/runner.py down      # stop what `up` started
    python scripts/runner.py status

The same ``Platform`` class starts an isolated copy for end-to-end tests (other ports, databases, namespace)."""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable

# name, package, port offset, S3 buckets used (for documentation), has demo data
SERVICES: list[tuple[str, int]] = [
    ("auth", 1),
    ("benchmark", 2),
    ("declaration", 3),
    ("certificate", 4),
    ("mall", 5),
    ("notify", 6),
]
DEMO_ORDER = ("auth", "benchmark", "declaration", "certificate", "mall", "notify")


def _port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex((host, port)) == 0


def _wait_http(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 - our own local URL
                if r.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.25)
    return False


# Suites that drive the platform from one client address (127.0.0.1) for hundreds of logins and SMS codes:
# the per-address anti-automation delays are proven in auth's own tests, and would only slow these down.
THROTTLE_OFF = {
    "LP_THROTTLE_ADDRESS_FREE": "1000000",
    "LP_THROTTLE_NETWORK_FREE": "1000000",
    "LP_THROTTLE_SMS_FREE": "1000000",
}
# The open data API's anonymous limit per address on test platforms: the fuzz suite sends its hundreds of
# requests to the open lists from 127.0.0.1 and should reach their logic, not only the 429; the limit itself
# is still proven (tests/e2e/test_open_data.py bursts past this one).
OPEN_RATE_PER_IP_FOR_TESTS = 600


def reset_clock(redis_url: str) -> None:
    """Back to real time on the platform that uses this Redis database (kit.clock's shared offset)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        client.delete("lp:clock:offset")
    finally:
        client.close()


def free_base_port(start: int) -> int:
    """A block of ports nobody listens on (another run of the suite may be using the first one): the
    services' ports from the base, and the object store's a thousand above it."""
    for base in range(start, start + 1000, 100):
        if not any(_port_open(p) for p in (*range(base, base + 7), base + 1000)):
            return base
    raise RuntimeError(f"no free block of ports from {start}")


def ensure_infrastructure() -> None:
    """PostgreSQL, Redis and RabbitMQ are started by this kind of machine; restart any that stopped."""
    starts = {
        5432: "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
        6379: 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no '
        "--dir /var/lib/redis --logfile /var/log/redis/ci.log",
        5672: "rabbitmq-server -detached",
    }
    for port, cmd in starts.items():
        if not _port_open(port):
            print(f"  starting the service on port {port}: {cmd.split()[0]}")
            subprocess.run(cmd, shell=True, check=False)  # noqa: S602 - fixed commands
    for port in starts:
        deadline = time.monotonic() + 60
        while not _port_open(port):
            if time.monotonic() > deadline:
                raise SystemExit(f"port {port} is not answering; start PostgreSQL/Redis/RabbitMQ first")
            time.sleep(0.5)


@dataclass
class Platform:
    base_port: int = 8000
    s3_port: int = 9000
    db_prefix: str = "lp_"
    namespace: str = "lp"
    redis_url: str = "redis://127.0.0.1:6379/0"
    state_dir: Path = ROOT / "var"
    env: str = "development"
    # The production topology (deploy/: an HTTP Deployment with LP_RUN_WORKERS=false and a worker Deployment
    # per service): each service's relay, consumers and pollers run in their own ``python -m <name>.worker``
    # process, which serves /readyz and /metrics on ``worker_port(name)``. Off: one process does both.
    separate_workers: bool = False
    # uvicorn ``--workers N`` for each service's HTTP process when above 1. One, as in Compose and Kubernetes:
    # a second worker costs more CPU per request and twice the memory (deploy/README.md, "One uvicorn worker
    # per process"); the runner's processes already outnumber the machine's cores.
    http_workers: int = 1
    extra_env: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.base_port}"

    def service_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.base_port + dict(SERVICES)[name]}"

    def worker_port(self, name: str) -> int:
        """The /readyz and /metrics port of a service's worker process (separate_workers only)."""
        return self.base_port + 50 + dict(SERVICES)[name]

    def worker_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.worker_port(name)}"

    def database_url(self, name: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{self.db_prefix}{name}"

    @property
    def keys(self) -> dict[str, Path]:
        return {
            "private": self.state_dir / "keys" / "jwt-private.pem",
            "public": self.state_dir / "keys" / "jwt-public.pem",
        }

    def _secrets(self) -> dict[str, str]:
        path = self.state_dir / "secrets.json"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                json.dumps(
                    {
                        "LP_INTERNAL_TOKEN": base64.urlsafe_b64encode(os.urandom(24)).decode(),
                        "LP_PII_KEY": base64.b64encode(os.urandom(32)).decode(),
                        "LP_DOWNLOAD_SECRET": base64.urlsafe_b64encode(os.urandom(24)).decode(),
                    }
                )
            )
            path.chmod(0o600)
        return json.loads(path.read_text())

    @property
    def signing_dir(self) -> Path:
        return self.state_dir / "signing"

    def common_env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "LP_ENV": self.env,
            "LP_AMQP_URL": "amqp://guest:guest@127.0.0.1:5672/",
            "LP_REDIS_URL": self.redis_url,
            "LP_S3_ENDPOINT": f"127.0.0.1:{self.s3_port}",
            "LP_BUS_NAMESPACE": self.namespace,
            "LP_JWT_PUBLIC_KEY_FILE": str(self.keys["public"]),
            "LP_JWT_PRIVATE_KEY_FILE": str(self.keys["private"]),
            # The certificate service's development CA and PAdES signing certificate (made on first start).
            "LP_SIGNING_DIR": str(self.signing_dir),
            "LP_SMS_PROVIDER": "capture",
            "LP_CLOCK_ADJUSTABLE": "true",
            "LP_RUN_WORKERS": "true",
            # Printed into QR codes: a demo on a LAN sets the address phones can reach (deploy/README.md).
            "LP_PUBLIC_BASE_URL": os.environ.get("LP_PUBLIC_BASE_URL") or self.gateway_url,
            # One process per service on a small machine: a small pool keeps the whole platform well under
            # PostgreSQL's default 100 connections, with room for tests and tools beside it.
            "LP_DB_POOL_SIZE": "4",
            "PYTHONUNBUFFERED": "1",
            **self._secrets(),
        }
        for name, _ in SERVICES:
            env[f"LP_{name.upper()}_URL"] = self.service_url(name)
        env.update(self.extra_env)
        return env

    def available_services(self) -> list[str]:
        return [n for n, _ in SERVICES if (ROOT / "services" / n / "src" / n / "main.py").exists()]

    # ---- steps ------------------------------------------------------------------------------------------
    def prepare(self) -> None:
        from kit.security import ensure_keypair

        (self.state_dir / "logs").mkdir(parents=True, exist_ok=True)
        (self.state_dir / "run").mkdir(parents=True, exist_ok=True)
        ensure_keypair(self.keys["private"], self.keys["public"])

    def start_s3(self) -> None:
        if _port_open(self.s3_port):
            print(f"  S3 server already answering on :{self.s3_port}")
            return
        from kit.settings import DEV_S3_KEY, DEV_S3_SECRET
        from kit.testing.s3server import start_s3_server

        proc = start_s3_server(
            self.s3_port,
            DEV_S3_KEY,
            DEV_S3_SECRET,
            data_dir=str(self.state_dir / "s3"),
            log_file=self.state_dir / "logs" / "s3.log",
        )
        self._remember("s3", proc)
        print(f"  S3 server on :{self.s3_port} ({'minio' if 'minio' in str(proc.args) else 'moto'})")

    def migrate(self) -> None:
        env = self.common_env()
        for name in self.available_services():
            if not (ROOT / "services" / name / "alembic.ini").exists():
                continue
            subprocess.run(
                [PYTHON, "-m", "kit.migrations", name, "--database-url", self.database_url(name)],
                env=env,
                check=True,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
            )
            print(f"  {name}: database {self.db_prefix}{name} migrated")

    def start_service(self, name: str) -> None:
        self.start_http(name)
        if self.separate_workers:
            self.start_worker(name)

    def start_http(self, name: str) -> None:
        """A service's HTTP process (uvicorn); it runs the relay and consumers too unless separate_workers."""
        port = self.base_port + dict(SERVICES)[name]
        env = {**self.common_env(), "LP_DATABASE_URL": self.database_url(name), "LP_SERVICE_NAME": name}
        if self.separate_workers:
            env["LP_RUN_WORKERS"] = "false"
        cmd = [
            PYTHON,
            "-m",
            "uvicorn",
            "--factory",
            f"{name}.main:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        if self.http_workers > 1:
            cmd += ["--workers", str(self.http_workers)]
        self._spawn(name, cmd, env)

    def has_worker(self, name: str) -> bool:
        return (ROOT / "services" / name / "src" / name / "worker.py").exists()

    def start_worker(self, name: str) -> None:
        """``python -m <name>.worker`` as the process ``<name>-worker`` (relay, consumers, pollers; no HTTP)."""
        if not self.has_worker(name):
            raise RuntimeError(f"{name} has no worker module (services/{name}/src/{name}/worker.py)")
        env = {
            **self.common_env(),
            "LP_DATABASE_URL": self.database_url(name),
            "LP_SERVICE_NAME": name,
            "LP_METRICS_PORT": str(self.worker_port(name)),
        }
        self._spawn(f"{name}-worker", [PYTHON, "-m", f"{name}.worker"], env)

    def worker_names(self) -> list[str]:
        """The worker processes this platform runs (``<service>-worker``); empty unless separate_workers."""
        if not self.separate_workers:
            return []
        return [f"{n}-worker" for n in self.available_services() if self.has_worker(n)]

    def pid(self, name: str) -> int | None:
        """The process id of a started process (``auth``, ``auth-worker``, ``gateway``, ``s3``), None if not running."""
        proc = self.procs.get(name)
        return proc.pid if proc is not None and proc.poll() is None else None

    def kill(self, name: str, sig: int = signal.SIGKILL, timeout: float = 10) -> None:
        """Send ``sig`` (SIGKILL: a crash) to one started process and its children, and wait until it is gone."""
        proc = self.procs.get(name)
        if proc is None:
            raise KeyError(f"no process named {name} was started by this platform")
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            _kill(proc.pid)
            proc.wait(timeout)
        (self.state_dir / "run" / f"{name}.pid").unlink(missing_ok=True)

    def restart(self, name: str, *, timeout: float = 60) -> None:
        """Start one process again (stopping it first if it still runs) and wait until it is ready."""
        if self.pid(name) is not None:
            self.kill(name, signal.SIGTERM)
        if name.endswith("-worker"):
            service = name.removesuffix("-worker")
            self.start_worker(service)
            url = self.worker_url(service)
        elif name == "gateway":
            self.start_gateway()
            url = self.gateway_url
        else:
            # The HTTP process alone: with separate_workers its worker is a process of its own.
            self.start_http(name)
            url = self.service_url(name)
        if not _wait_http(url + "/readyz", timeout):
            raise RuntimeError(f"{name} did not become ready again at {url}\n{self.log_tail(name)}")

    def start_gateway(self) -> None:
        env = self.common_env()
        self._spawn(
            "gateway",
            [
                PYTHON,
                "-m",
                "uvicorn",
                "--factory",
                "gateway.main:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.base_port),
                "--no-access-log",
                "--no-proxy-headers",
                "--log-level",
                "warning",
            ],
            env,
        )

    def _spawn(self, name: str, cmd: list[str], env: dict[str, str]) -> None:
        log = open(self.state_dir / "logs" / f"{name}.log", "ab")  # noqa: SIM115 - handed to the child
        proc = subprocess.Popen(
            cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self._remember(name, proc)

    def _remember(self, name: str, proc: subprocess.Popen) -> None:
        self.procs[name] = proc
        (self.state_dir / "run" / f"{name}.pid").write_text(str(proc.pid))

    def log_tail(self, name: str, chars: int = 3000) -> str:
        log = self.state_dir / "logs" / f"{name}.log"
        return log.read_text(errors="replace")[-chars:] if log.exists() else ""

    def wait_healthy(self, timeout: float = 120) -> None:
        urls = {name: self.service_url(name) for name in self.available_services()}
        # A worker's /readyz says its consumer's queue is bound (the HTTP process has no consumer then).
        urls.update({w: self.worker_url(w.removesuffix("-worker")) for w in self.worker_names()})
        urls["gateway"] = self.gateway_url
        for name, base in urls.items():
            # Ready, not just alive: its database, broker and storage answer and its consumer's queue is
            # bound, so no event published from here on (demo data included) can miss it.
            url = base + "/readyz"
            if not _wait_http(url, timeout):
                raise RuntimeError(f"{name} did not become ready at {url}\n{self.log_tail(name)}")
            print(f"  {name}: ready at {base}")

    def load_demo(self) -> list[str]:
        lines: list[str] = []
        env = self.common_env()
        for name in DEMO_ORDER:
            if (
                name not in self.available_services()
                or not (ROOT / "services" / name / "src" / name / "demo.py").exists()
            ):
                continue
            out = subprocess.run(
                [PYTHON, "-m", f"{name}.demo"],
                env={**env, "LP_DATABASE_URL": self.database_url(name)},
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            if out.returncode != 0:
                raise RuntimeError(f"demo data of {name} failed:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")
            # The loaders' own summary lines; JSON log records (HTTP calls and the like) stay out of the banner.
            lines.extend(
                line for line in out.stdout.splitlines() if line.strip() and not line.lstrip().startswith("{")
            )
        return lines

    def build_portal(self, *, force: bool = False) -> None:
        web = ROOT / "gateway" / "web"
        if not (web / "package.json").exists():
            return
        if (web / "dist" / "index.html").exists() and not force:
            print("  portal: already built (gateway/web/dist)")
            return
        npm = (
            ["npm", "ci", "--no-audit", "--no-fund"]
            if (web / "package-lock.json").exists()
            else ["npm", "install"]
        )
        subprocess.run(npm, cwd=web, check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["npm", "run", "build"], cwd=web, check=True, stdout=subprocess.DEVNULL)
        print("  portal: built")

    def up(self, *, demo: bool = True, portal: bool = True) -> list[str]:
        self.prepare()
        self.start_s3()
        self.migrate()
        if portal:
            self.build_portal()
        for name in self.available_services():
            self.start_service(name)
        self.start_gateway()
        self.wait_healthy()
        return self.load_demo() if demo else []

    def down(self) -> None:
        for _name, proc in list(self.procs.items()):
            _terminate(proc.pid)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                _kill(proc.pid)
        self.procs.clear()
        run = self.state_dir / "run"
        if run.exists():
            for pidfile in run.glob("*.pid"):
                pid = int(pidfile.read_text() or 0)
                if pid:
                    _terminate(pid)
                pidfile.unlink()


def _terminate(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def drop_databases(prefix: str) -> None:
    """Drops every database whose name starts with ``prefix`` (what a test platform created)."""
    import asyncio

    import asyncpg

    async def drop() -> None:
        conn = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
        try:
            names = await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1", prefix + "%")
            for row in names:
                await conn.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(drop())


@contextlib.contextmanager
def platform_for_tests(name: str, *, redis_url: str, base_port: int, portal: bool) -> Iterator[Platform]:
    """The whole platform with its demo data, for one run of a test suite (``name``: e2e, browser): its own
    free ports from ``base_port``, databases, Redis database and bus namespace, so it never touches a
    platform a developer is running; stopped, its databases dropped and its state removed afterwards."""
    ensure_infrastructure()
    run_id = uuid.uuid4().hex[:6]
    base = free_base_port(base_port)
    platform = Platform(
        base_port=base,
        s3_port=base + 1000,
        db_prefix=f"lp{name}_{run_id}_",
        namespace=f"lp{name}{run_id}",
        redis_url=redis_url,
        state_dir=ROOT / "var" / f"{name}-{run_id}",
        env="test",
        # Per-address limits are proven in auth's own tests; Redis keeps counters between runs on one machine.
        extra_env={
            "LP_SMS_HOURLY_CAP_PER_IP": "100000",
            "LP_RECOVERY_REQUESTS_PER_IP_HOUR": "100000",
            "LP_RECOVERY_CODES_PER_IP_HOUR": "100000",
            "LP_RECOVERY_POLL_SECONDS": "1",
            # webhook retries in seconds rather than minutes, so a receiver's outage is over within a test
            "LP_WEBHOOK_RETRY_SCHEDULE": "[0.5, 1, 2, 4, 8, 16, 32]",
            **THROTTLE_OFF,
            "LP_GATEWAY_OPEN_RATE_PER_IP": str(OPEN_RATE_PER_IP_FOR_TESTS),
        },
    )
    # The platform clock's offset lives in this Redis database and outlives a run: the demo data must be
    # written at real time, or its designation notices start in the future once a test resets the clock.
    reset_clock(redis_url)
    try:
        platform.up(demo=True, portal=portal)
        yield platform
    finally:
        platform.down()
        drop_databases(platform.db_prefix)
        shutil.rmtree(platform.state_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="质量分级及“领跑者”管理信息平台 — local runner")
    parser.add_argument("command", choices=["up", "down", "status"])
    parser.add_argument("--no-demo", action="store_true")
    parser.add_argument(
        "--separate-workers",
        action="store_true",
        help="relays and consumers in a `python -m <service>.worker` process each (as deployed)",
    )
    args = parser.parse_args()
    platform = Platform(separate_workers=args.separate_workers)
    if args.command == "down":
        platform.down()
        print("stopped")
        return
    if args.command == "status":
        for name in ["gateway", *platform.available_services()]:
            url = (platform.gateway_url if name == "gateway" else platform.service_url(name)) + "/readyz"
            print(f"{name:12} {'ready' if _wait_http(url, 1) else 'down'}  {url}")
        return
    print("质量分级及“领跑者”管理信息平台 — starting on this machine")
    ensure_infrastructure()
    platform.down()  # a clean start: stop what an earlier `up` left running
    lines = platform.up(demo=not args.no_demo)
    print()
    print(f"Portal and API: {platform.gateway_url}/   (API docs: {platform.gateway_url}/api/docs)")
    print("Logs: var/logs/   Stop: make down")
    if lines:
        print("Demo data and accounts:")
        for line in lines:
            print(f"  {line}")


if __name__ == "__main__":
    main()
