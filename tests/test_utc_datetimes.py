"""Date-times read back aware and in UTC on both backends (models.base.UTCDateTime).

On PostgreSQL the driver's own decoding is relied on (no conversion per value), so it is
checked under a session time zone that is not UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select, text, update

from models.company import Company
from tests.factories import Factory
from tests.helpers import Maker


async def test_datetimes_read_back_in_utc_whatever_the_session_time_zone(
    factory: Factory, sessionmaker: Maker
) -> None:
    # given a company archived at a moment written with another offset
    company = await factory.company(name="Clock")
    moment = datetime(2030, 6, 1, 12, 30, 15, 123456, tzinfo=timezone(timedelta(hours=5)))
    async with sessionmaker() as session:
        await session.execute(
            update(Company).where(Company.id == company.id).values(archived_at=moment)
        )
        await session.commit()
    async with sessionmaker() as session:
        if session.get_bind().dialect.name == "postgresql":
            # for this transaction only: the connection goes back to the pool afterwards
            await session.execute(text("SET LOCAL TIME ZONE 'Asia/Kolkata'"))
        # when it is read as columns and as a model
        archived, created = (
            await session.execute(
                select(Company.archived_at, Company.created_at).where(Company.id == company.id)
            )
        ).one()
        model = await session.get(Company, company.id, populate_existing=True)
        assert model is not None
        values = [archived, created, model.archived_at, model.created_at]
    # then every value is aware, in UTC, and the same instant as written
    for value in values:
        assert value is not None
        assert value.tzinfo is UTC, value
    assert archived == model.archived_at == moment
    assert archived is not None
    assert archived.isoformat() == "2030-06-01T07:30:15.123456+00:00"
