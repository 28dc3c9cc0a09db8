"""Command-line tool: `python cli.py <command>` (migrate, bootstrap, run, mail-drain, jobs,
ledger-check, allowlist, audit-verify, audit-export).

`run` is what `make run` calls: migrate, bootstrap when the database has no root, serve.
`mail-drain` delivers the mail that is due once (what each server's mail worker does on its own).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import orjson
from alembic import command

from config import ConfigError, Settings
from models.db import begin_write, create_engine, create_sessionmaker, is_sqlite
from models.startup import (
    DatabaseUnreachableError,
    alembic_config,
    check_connection,
    lock_startup,
    wait_for_head,
)
from services import audit, audit_seal, credit, jobs
from services.bootstrap import BootstrapResult, bootstrap
from services.jobs import JobReport
from services.mail_delivery import (
    Backlog,
    DeliveryReport,
    count_unsent,
    deliver_all_due,
    transport_for,
)


def migrate(settings: Settings) -> None:
    """`alembic upgrade head`, under the start-up lock (migrations/env.py) on PostgreSQL."""
    if is_sqlite(settings.database_url):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(settings.database_url), "head")


def prepare(settings: Settings, command_name: str) -> None:
    """Reach the database (one clear line and exit 1 when it cannot be), then bring it to the
    head: migrate, or for a server with MIGRATE_ON_START=false wait for `cli.py migrate`."""
    if is_sqlite(settings.database_url):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(check_connection(settings.database_url))
    if command_name == "run" and not settings.migrate_on_start:
        print(
            "Waiting for the database to reach the migration head (MIGRATE_ON_START=false)",
            flush=True,
        )
        asyncio.run(wait_for_head(settings.database_url, seconds=settings.migration_wait_seconds))
    else:
        migrate(settings)


async def run_bootstrap(settings: Settings) -> BootstrapResult:
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            await begin_write(session)
            # Servers starting together: one creates the root, the others then find it.
            await session.run_sync(lambda sync: lock_startup(sync.connection()))
            return await bootstrap(
                session,
                company_name=settings.bootstrap_company_name,
                country_code=settings.bootstrap_company_country,
                admin_email=settings.bootstrap_admin_email,
                admin_password=settings.bootstrap_admin_password,
            )
    finally:
        await engine.dispose()


async def drain_mail(settings: Settings) -> tuple[DeliveryReport, Backlog]:
    transport = transport_for(settings)
    if transport is None:
        raise ConfigError("SMTP_HOST is required to send mail when APP_ENV=production")
    engine = create_engine(settings.database_url)
    try:
        sessionmaker = create_sessionmaker(engine)
        delivered = await deliver_all_due(sessionmaker, transport)
        async with sessionmaker() as session:
            return delivered, await count_unsent(session)
    finally:
        await engine.dispose()


async def run_jobs(settings: Settings) -> JobReport:
    engine = create_engine(settings.database_url)
    try:
        return await jobs.run_all(
            create_sessionmaker(engine),
            period=settings.credit_period,
            audit_retention=timedelta(days=settings.audit_retention_days),
            event_retention=settings.event_retention,
        )
    finally:
        await engine.dispose()


async def check_ledger(settings: Settings) -> list[str]:
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            return await credit.check_invariants(session)
    finally:
        await engine.dispose()


async def verify_audit(settings: Settings, *, head: str | None) -> audit_seal.Report:
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            return await audit_seal.verify(session, head=head)
    finally:
        await engine.dispose()


async def export_audit(
    settings: Settings,
    out: BinaryIO,
    *,
    since: datetime | None,
    until: datetime | None,
    company_id: int | None,
) -> int:
    engine = create_engine(settings.database_url)
    written = 0
    try:
        async with create_sessionmaker(engine)() as session:
            lines = audit_seal.export(session, since=since, until=until, company_id=company_id)
            async for line in lines:
                out.write(line)
                written += 1
    finally:
        await engine.dispose()
    return written


def _moment(value: str) -> datetime:
    """An ISO 8601 date or date-time; without an offset, UTC."""
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _audit_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = sub.add_parser(
        "audit-verify", help="migrate, then check the audit trail's chain and entries"
    )
    check.add_argument("--head", help="a head hash printed before: check it is still there")
    dump = sub.add_parser("audit-export", help="migrate, then write audit entries as JSON Lines")
    dump.add_argument("--since", type=_moment, help="from this moment (ISO 8601, inclusive)")
    dump.add_argument("--until", type=_moment, help="to this moment (exclusive)")
    dump.add_argument("--company", type=int, help="a company's database id: it and below")
    dump.add_argument("--output", type=Path, help="a file to write (default: standard output)")


def _run_audit_command(settings: Settings, args: argparse.Namespace) -> int:
    if args.command == "audit-verify":
        result = asyncio.run(verify_audit(settings, head=args.head))
        for problem in result.problems or []:
            print(f"AUDIT PROBLEM: {problem}", file=sys.stderr)
        print(
            f"Audit: {result.seals} seals ({result.purged_seals} purged), {result.entries} "
            f"sealed entries, {result.unsealed} not sealed yet; head {result.head}; "
            + ("intact." if result.ok else f"{len(result.problems or [])} problem(s).")
        )
        return 0 if result.ok else 1
    if args.since and args.until and args.since > args.until:
        print("--since must not be after --until", file=sys.stderr)
        return 2
    out = args.output.open("wb") if args.output else sys.stdout.buffer
    try:
        written = asyncio.run(
            export_audit(settings, out, since=args.since, until=args.until, company_id=args.company)
        )
    except LookupError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        if args.output:
            out.close()
    print(f"Audit export: {written} entries.", file=sys.stderr)
    return 0


def report(result: BootstrapResult) -> None:
    if not result.created:
        print(f"Root company {result.company_name!r} exists; bootstrap skipped.")
        return
    print(f"Created root company {result.company_name!r} and SUPERADMIN {result.admin_email}.")
    if result.generated_password:
        print("  Generated password (shown once, store it now):", result.generated_password)


def write_allowlist(output: Path, sources: list[Path], *, add_typename: bool) -> int:
    from graphql import GraphQLError

    from schema import build_schema
    from web.allowlist import build_manifest
    from web.persisted import AllowlistError

    try:
        manifest = build_manifest(sources, build_schema()._schema, add_typename=add_typename)
    except (AllowlistError, GraphQLError, OSError) as exc:
        print(f"Allowlist not written: {exc}", file=sys.stderr)
        return 1
    output.write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n")
    print(f"Allowlist: {len(manifest['operations'])} document(s) written to {output}.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cli.py", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply the Alembic migrations")
    sub.add_parser("bootstrap", help="migrate, then create the root company and first SUPERADMIN")
    sub.add_parser("run", help="migrate, bootstrap if needed, and serve")
    sub.add_parser("mail-drain", help="migrate, then deliver every mail that is due, once")
    sub.add_parser(
        "jobs", help="migrate, then run the periodic jobs once (reminders, charging, purge)"
    )
    sub.add_parser("ledger-check", help="migrate, then check the credit ledger's invariants")
    allow = sub.add_parser(
        "allowlist",
        help="build the DOCUMENT_ALLOWLIST file from the clients' operations "
        "(.graphql files, Apollo persisted query manifests)",
    )
    allow.add_argument("output", type=Path, help="the manifest to write (JSON)")
    allow.add_argument("sources", type=Path, nargs="+", help=".graphql or manifest .json files")
    allow.add_argument(
        "--add-typename",
        action="store_true",
        help="add __typename as Apollo Client's cache does before hashing (its default)",
    )
    _audit_commands(sub)
    args = parser.parse_args(argv)
    if args.command == "allowlist":
        return write_allowlist(args.output, args.sources, add_typename=args.add_typename)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    audit.configure(settings.audit_key)
    if args.command == "run":
        import server

        # Stopped while it migrates or waits for the head: end quietly, with status 0.
        signal.signal(signal.SIGTERM, server.exit_cleanly)
    try:
        prepare(settings, args.command)
    except DatabaseUnreachableError as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.command.startswith("audit-"):
        return _run_audit_command(settings, args)
    if args.command in ("bootstrap", "run"):
        report(asyncio.run(run_bootstrap(settings)))
    if args.command == "mail-drain":
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
        try:
            delivered, backlog = asyncio.run(drain_mail(settings))
        except ConfigError as exc:
            print(f"Configuration error: {exc}", file=sys.stderr)
            return 2
        print(
            f"Mail: {delivered.sent} sent, {delivered.failed} failed, "
            f"{backlog.waiting} remaining, {backlog.given_up} given up."
        )
    if args.command == "jobs":
        print(f"Jobs: {asyncio.run(run_jobs(settings))}")
    if args.command == "ledger-check":
        problems = asyncio.run(check_ledger(settings))
        for problem in problems:
            print(f"LEDGER PROBLEM: {problem}", file=sys.stderr)
        print("Ledger: sound." if not problems else f"Ledger: {len(problems)} problem(s).")
        return 1 if problems else 0
    if args.command == "run":
        print(f"GraphiQL: http://{settings.host}:{settings.port}/graphql")
        print(f"Portal: http://{settings.host}:{settings.port}/portal")
        server.main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
