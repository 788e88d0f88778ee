"""Create, rotate and show QR signing key rings.

python -m certificate.offline new KEYRING       # a key ring with one fresh active key (refuses to overwrite)
python -m certificate.offline rotate KEYRING    # a new active key; the old one retired as of today
python -m certificate.offline show KEYRING      # the public keys as GET /api/certificates/keys lists them
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

from certificate.domain.validity import china_today
from certificate.offline.keys import KeyringError, load_keyring, new_keyring, rotated, write_keyring


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m certificate.offline", description=__doc__.splitlines()[0]
    )
    parser.add_argument("action", choices=("new", "rotate", "show"))
    parser.add_argument("keyring", help="path of the key ring JSON file")
    args = parser.parse_args(argv)
    today = china_today(datetime.now(UTC))
    try:
        if args.action == "new":
            if not write_keyring(args.keyring, new_keyring(today), exclusive=True):
                print(f"{args.keyring} exists already; use rotate", file=sys.stderr)
                return 1
        elif args.action == "rotate":
            write_keyring(args.keyring, rotated(load_keyring(args.keyring), today))
        keyring = load_keyring(args.keyring)
    except KeyringError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    published = [
        {
            "kid": k.kid,
            "algorithm": k.algorithm,
            "public_key": k.public_key,
            "status": k.status,
            "since": k.since.isoformat(),
            "until": k.until.isoformat() if k.until else None,
        }
        for k in keyring.published()
    ]
    print(json.dumps({"active": keyring.active_kid, "keys": published}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
