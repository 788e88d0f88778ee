"""``python -m gateway``: uvicorn with the options the gateway relies on.

uvicorn's own proxy-header handling is off: it would take X-Forwarded-For from any local peer as the
client address, while the gateway decides itself how many proxies it trusts
(``LP_GATEWAY_TRUSTED_PROXY_HOPS``) for rate limits and for the X-Forwarded-For it passes on."""

from __future__ import annotations

import argparse

import uvicorn


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m gateway", description="质量分级及“领跑者”管理信息平台 API 网关"
    )
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    uvicorn.run(
        "gateway.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=False,
        access_log=False,
        server_header=False,
        timeout_keep_alive=30,
    )


if __name__ == "__main__":
    main()
