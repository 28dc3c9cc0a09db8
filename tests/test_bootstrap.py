"""The bootstrap creates the platform and its first SUPERADMIN, once."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.company import Company
from models.user import Role, User
from services.bootstrap import BootstrapResult, bootstrap
from services.passwords import verify_password
from tests.graphql import GraphQLClient


async def _bootstrap(session: AsyncSession, password: str | None) -> BootstrapResult:
    result = await bootstrap(
        session,
        company_name="Operator",
        country_code="ES",
        admin_email="Ops@Example.com ",
        admin_password=password,
    )
    await session.commit()
    return result


async def test_creates_root_and_superadmin_with_a_generated_password(
    session: AsyncSession, client: GraphQLClient
) -> None:
    result = await _bootstrap(session, None)
    assert result.created
    assert result.generated_password
    user = await session.scalar(select(User))
    assert user is not None
    assert user.role is Role.SUPERADMIN
    assert user.email == "ops@example.com"
    root = await session.get(Company, user.company_id)
    assert root is not None
    assert root.parent_id is None
    assert root.depth == 0
    # The printed password signs in.
    login = await client(
        'mutation($p: String!) { login(input: {email: "ops@example.com", password: $p}) '
        "{ __typename } }",
        {"p": result.generated_password},
    )
    assert login.data["login"]["__typename"] == "AuthPayload"


async def test_runs_once(session: AsyncSession) -> None:
    await _bootstrap(session, "first password here")
    again = await _bootstrap(session, "second password here")
    assert not again.created
    assert await session.scalar(select(func.count()).select_from(Company)) == 1
    user = await session.scalar(select(User))
    assert user is not None
    assert verify_password(user.password_hash, "first password here")
