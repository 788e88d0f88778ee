"""Start an S3-compatible server for local runs and tests: a ``minio`` binary when one is on PATH,
otherwise moto's server from PyPI. Both are spoken to with the minio client exactly alike."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s")


def start_s3_server(
    port: int, access_key: str, secret_key: str, *, data_dir: str | None = None, log_file: Path | None = None
) -> subprocess.Popen:
    out = open(log_file, "ab") if log_file else subprocess.DEVNULL  # noqa: SIM115 - handed to the child
    minio = shutil.which("minio")
    if minio:
        env = {**os.environ, "MINIO_ROOT_USER": access_key, "MINIO_ROOT_PASSWORD": secret_key}
        cmd = [
            minio,
            "server",
            data_dir or tempfile.mkdtemp(prefix="lp-minio-"),
            "--address",
            f"127.0.0.1:{port}",
        ]
    else:
        env = {**os.environ}
        moto = Path(sys.executable).with_name("moto_server")
        cmd = [str(moto), "-H", "127.0.0.1", "-p", str(port)]
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    wait_for_port(port)
    return proc
