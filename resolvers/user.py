"""User management resolvers."""

from __future__ import annotations

from models.user import Role, User
from resolvers.paging import Paging, page_request
from resolvers.session import reading, transaction
from schema.context import Info
from schema.ids import decode_id
from schema.inputs import (
    PasswordChangeInput,
    PasswordResetInput,
    PasswordResetRequestInput,
    ProfileUpdateInput,
    UserChangeRoleInput,
    UserDeactivateInput,
    UserReactivateInput,
)
from services import user as service
from services.auth import TokenPair
from services.errors import NotFoundError
from services.pagination import Page


async def user(info: Info, id: str) -> User | None:
    actor = info.context.require_actor()
    try:
        user_id = decode_id(id, "User")
    except NotFoundError:
        return None
    async with reading(info) as session:
        return await service.get_user(session, actor=actor, user_id=user_id)


async def users(
    info: Info,
    *,
    company_id: str | None,
    include_descendants: bool,
    role: Role | None,
    active: bool | None,
    paging: Paging,
) -> Page[User]:
    actor = info.context.require_actor()
    request = page_request(info, paging)
    company = (
        decode_id(company_id, "Company", field="companyId") if company_id is not None else None
    )
    async with reading(info) as session:
        return await service.list_users(
            session,
            actor=actor,
            company_id=company,
            filters=service.UserFilter(
                include_descendants=include_descendants, role=role, active=active
            ),
            request=request,
        )


async def change_role(info: Info, data: UserChangeRoleInput) -> User:
    actor = info.context.require_actor()
    user_id = decode_id(data.id, "User")
    async with transaction(info) as session:
        return await service.change_role(session, actor=actor, user_id=user_id, role=data.role)


async def set_active(
    info: Info, data: UserDeactivateInput | UserReactivateInput, *, active: bool
) -> User:
    actor = info.context.require_actor()
    user_id = decode_id(data.id, "User")
    async with transaction(info) as session:
        return await service.set_active(session, actor=actor, user_id=user_id, active=active)


async def change_password(info: Info, data: PasswordChangeInput) -> TokenPair:
    """Every other session ends; this one continues with the new token pair returned."""
    actor = info.context.require_actor()
    async with transaction(info) as session:
        return await service.change_own_password(
            session,
            actor=actor,
            current_password=data.current_password,
            new_password=data.new_password,
            config=info.context.token_config,
        )


async def update_profile(info: Info, data: ProfileUpdateInput) -> User:
    actor = info.context.require_actor()
    async with transaction(info) as session:
        return await service.update_own_profile(
            session, actor=actor, name=data.name, locale=data.locale
        )


async def request_password_reset(info: Info, data: PasswordResetRequestInput) -> None:
    settings = info.context.settings
    async with transaction(info) as session:
        await service.request_password_reset(
            session,
            email=data.email,
            app_base_url=settings.app_base_url,
            ttl=settings.password_reset_ttl,
        )


async def reset_password(info: Info, data: PasswordResetInput) -> None:
    async with transaction(info) as session:
        await service.reset_password(session, token=data.token, new_password=data.new_password)
