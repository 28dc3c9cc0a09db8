"""Authentication resolvers."""

from __future__ import annotations

from models.user import User
from resolvers.session import reading, transaction
from schema.context import Info
from schema.inputs import LoginInput, LogoutInput, TokenRefreshInput
from services import auth as service
from services.auth import TokenPair


async def me(info: Info) -> User:
    actor = info.context.require_actor()
    if actor.user is not None:  # loaded with the token's check, on this request
        return actor.user
    async with reading(info) as session:
        user = await session.get(User, actor.user_id)
    assert user is not None  # the actor was loaded from this row on this request
    return user


async def login(info: Info, data: LoginInput) -> TokenPair:
    # The service runs its own transactions: the attempt is committed before the password
    # is checked (services/throttle.py).
    pair = await service.login(
        info.context.sessionmaker,
        config=info.context.token_config,
        email=data.email,
        password=data.password,
        client_address=info.context.client_address,
    )
    info.context.forget_reads()
    return pair


async def token_refresh(info: Info, data: TokenRefreshInput) -> TokenPair:
    async with transaction(info) as session:
        return await service.refresh(
            session, config=info.context.token_config, refresh_token=data.refresh_token
        )


async def logout(info: Info, data: LogoutInput) -> None:
    async with transaction(info) as session:
        await service.logout(
            session, config=info.context.token_config, refresh_token=data.refresh_token
        )
