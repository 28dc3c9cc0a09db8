"""Command-line tool: `python cli.py {migrate,bootstrap,run}`.

`run` is what `make run` calls: migrate, bootstrap when the database has no root, serve.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

from config import ConfigError, Settings
from models.db import begin_write, create_engine, create_sessionmaker, is_sqlite
from services.bootstrap import BootstrapResult, bootstrap

ROOT = Path(__file__).parent


def migrate(settings: Settings) -> None:
    if is_sqlite(settings.database_url):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = settings.database_url
    command.upgrade(config, "head")


async def run_bootstrap(settings: Settings) -> BootstrapResult:
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            await begin_write(session)
            return await bootstrap(
                session,
                company_name=settings.bootstrap_company_name,
                country_code=settings.bootstrap_company_country,
                admin_email=settings.bootstrap_admin_email,
                admin_password=settings.bootstrap_admin_password,
            )
    finally:
        await engine.dispose()


def report(result: BootstrapResult) -> None:
    if not result.created:
        print(f"Root company {result.company_name!r} exists; bootstrap skipped.")
        return
    print(f"Created root company {result.company_name!r} and SUPERADMIN {result.admin_email}.")
    if result.generated_password:
        print("  Generated password (shown once, store it now):", result.generated_password)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cli.py", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply the Alembic migrations")
    sub.add_parser("bootstrap", help="migrate, then create the root company and first SUPERADMIN")
    sub.add_parser("run", help="migrate, bootstrap if needed, and serve")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    migrate(settings)
    if args.command in ("bootstrap", "run"):
        report(asyncio.run(run_bootstrap(settings)))
    if args.command == "run":
        import server

        print(f"GraphiQL: http://{settings.host}:{settings.port}/graphql")
        server.main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
