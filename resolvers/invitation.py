"""Invitation resolvers."""

from __future__ import annotations

from models.user import Invitation, Locale
from resolvers.paging import Paging, page_request
from resolvers.session import reading, transaction
from schema.context import Info
from schema.ids import decode_id
from schema.inputs import (
    InvitationAcceptInput,
    InvitationResendInput,
    InvitationRevokeInput,
    UserInviteInput,
)
from services import invitation as service
from services.auth import TokenPair
from services.pagination import Page


def _mail_config(info: Info) -> service.InvitationMail:
    settings = info.context.settings
    return service.InvitationMail(
        app_base_url=settings.app_base_url,
        ttl=settings.invitation_ttl,
        default_locale=Locale(settings.default_locale),
    )


async def invitations(
    info: Info,
    *,
    company_id: str,
    status: service.InvitationStatus | None,
    paging: Paging,
) -> Page[Invitation]:
    actor = info.context.require_actor()
    request = page_request(info, paging)
    company = decode_id(company_id, "Company", field="companyId")
    async with reading(info) as session:
        return await service.list_invitations(
            session, actor=actor, company_id=company, status=status, request=request
        )


async def invite(info: Info, data: UserInviteInput) -> Invitation:
    actor = info.context.require_actor()
    company_id = decode_id(data.company_id, "Company", field="companyId")
    async with transaction(info) as session:
        return await service.invite_user(
            session,
            actor=actor,
            company_id=company_id,
            email=data.email,
            role=data.role,
            name=data.name,
            locale=data.locale,
            config=_mail_config(info),
        )


async def resend(info: Info, data: InvitationResendInput) -> Invitation:
    actor = info.context.require_actor()
    invitation_id = decode_id(data.id, "Invitation")
    async with transaction(info) as session:
        return await service.resend_invitation(
            session, actor=actor, invitation_id=invitation_id, config=_mail_config(info)
        )


async def revoke(info: Info, data: InvitationRevokeInput) -> Invitation:
    actor = info.context.require_actor()
    invitation_id = decode_id(data.id, "Invitation")
    async with transaction(info) as session:
        return await service.revoke_invitation(session, actor=actor, invitation_id=invitation_id)


async def accept(info: Info, data: InvitationAcceptInput) -> TokenPair:
    """Accepting signs the new user in: the answer carries their first token pair."""
    async with transaction(info) as session:
        return await service.accept_invitation(
            session,
            token=data.token,
            password=data.password,
            name=data.name,
            config=info.context.token_config,
        )
