"""``python -m kit.migrations <service> [--database-url URL]``: create the database if missing, upgrade to head."""

import argparse
import os

from kit.migrations import upgrade


def main() -> None:
    parser = argparse.ArgumentParser(description="Upgrade a service's database to the newest migration")
    parser.add_argument("service")
    parser.add_argument("--database-url", default=os.environ.get("LP_DATABASE_URL"))
    parser.add_argument("--no-create", action="store_true", help="do not create a missing database")
    args = parser.parse_args()
    if not args.database_url:
        parser.error("LP_DATABASE_URL or --database-url is required")
    upgrade(args.service, args.database_url, create=not args.no_create)
    print(f"{args.service}: database at head")


if __name__ == "__main__":
    main()
