"""The Alembic migrations and the SQLAlchemy models describe the same database."""

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
