"""The Alembic migrations and the SQLAlchemy models describe the same database."""

from datetime import UTC, datetime
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine

import models


def _diff(connection: Any) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, models.Base.metadata))


async def test_models_and_migrations_agree(engine: AsyncEngine) -> None:
    # Given a database built only by `alembic upgrade head` (the session fixture does that)
    async with engine.connect() as connection:
        # When autogenerate compares it with the models
        diff = await connection.run_sync(_diff)
    # Then there is nothing left to migrate
    assert diff == []


async def test_the_path_column_compares_bytes_on_postgresql(engine: AsyncEngine) -> None:
    """Subtree range scans rely on byte order; a locale collation would ignore '/'."""
    if engine.dialect.name != "postgresql":
        return
    from sqlalchemy import text

    async with engine.connect() as connection:
        collation = await connection.scalar(
            text(
                "SELECT collation_name FROM information_schema.columns "
                "WHERE table_name = 'companies' AND column_name = 'path'"
            )
        )
    assert collation == "C"


LOCALE_PREVIOUS = "realtime_0001"


async def _exec(url: str, *statements: str) -> list[Any]:
    from sqlalchemy import text

    from models.db import create_engine

    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            # `:now`, where a statement has it: a timestamp every dialect reads.
            now = {"now": datetime(2026, 12, 1, 10, tzinfo=UTC)}
            results = [await connection.execute(text(sql), now) for sql in statements]
            return [list(result) if result.returns_rows else None for result in results]
    finally:
        await engine.dispose()


def test_existing_users_get_the_default_locale(
    database_url: str, tmp_path: Any, monkeypatch: Any
) -> None:
    """locale_0001 on a database with users, invitations and mail written before it."""
    import asyncio

    from alembic import command

    from models.startup import alembic_config
    from tests import conftest

    if database_url.startswith("sqlite"):
        url = f"sqlite+aiosqlite:///{tmp_path / 'before.db'}"
    else:
        url = asyncio.run(conftest._create_pg_database(database_url))
    try:
        # Given a database one revision before, with a user, an invitation and a mail
        command.upgrade(alembic_config(url), LOCALE_PREVIOUS)
        asyncio.run(
            _exec(
                url,
                "INSERT INTO companies (id, parent_id, path, depth, name, country_code,"
                " use_parent_credits, archived_at, created_at, updated_at) VALUES (1, NULL,"
                " '/1/', 0, 'Platform', 'ES', false, NULL, :now, :now)",
                "INSERT INTO users (id, company_id, email, name, role, password_hash,"
                " is_active, auth_epoch, created_at, updated_at) VALUES (1, 1, 'a@example.com',"
                " 'Ana', 'SUPERADMIN', 'x', true, 0, :now, :now)",
                "INSERT INTO invitations (id, company_id, email, name, role, token_hash,"
                " created_at, sent_at, expires_at) VALUES (1, 1, 'b@example.com', '', 'USER',"
                " 'h', :now, :now, :now)",
                "INSERT INTO outbox_messages (id, message_id, kind, to_address, subject,"
                " body_text, created_at, attempts, next_attempt_at) VALUES (1, '<m@x>',"
                " 'invitation', 'b@example.com', 'Hi', 'Hello', :now, 0, :now)",
            )
        )
        # When it is migrated with a platform default of Spanish
        monkeypatch.setenv("DEFAULT_LOCALE", "es")
        command.upgrade(alembic_config(url), "head")
        # Then the rows written before have it, and the old mail stays text only
        users, invitations, mails = asyncio.run(
            _exec(
                url,
                "SELECT locale FROM users",
                "SELECT locale FROM invitations",
                "SELECT body_text, body_html FROM outbox_messages",
            )
        )
        assert [tuple(row) for row in users] == [("es",)]
        assert [tuple(row) for row in invitations] == [("es",)]
        assert [tuple(row) for row in mails] == [("Hello", None)]
        # and a locale the platform does not have is refused by the database
        monkeypatch.delenv("DEFAULT_LOCALE")
        command.downgrade(alembic_config(url), LOCALE_PREVIOUS)
        command.upgrade(alembic_config(url), "head")
        refused = None
        try:
            asyncio.run(_exec(url, "UPDATE users SET locale = 'de'"))
        except Exception as exc:  # IntegrityError, wrapped differently by each driver
            refused = exc
        assert refused is not None
        assert "locale" in str(refused).lower()
        # and after the downgrade and upgrade again, they have the default of now: English
        assert asyncio.run(_exec(url, "SELECT locale FROM users"))[0] == [("en",)]
    finally:
        if not database_url.startswith("sqlite"):
            asyncio.run(conftest._drop_pg_database(url))
