"""`node(id:)`: any object by its global ID, within the caller's scope."""

from __future__ import annotations

from models.account import Account, Application, License
from models.company import Company
from models.credit import LedgerEntry
from models.device import Device
from models.user import Invitation, User
from resolvers.session import reading
from schema.context import Info
from schema.ids import parse_id
from services import account as account_service
from services import application as application_service
from services import company as company_service
from services import credit as credit_service
from services import device as device_service
from services import invitation as invitation_service
from services import user as user_service


async def node(
    info: Info, id: str
) -> Company | User | Invitation | Account | License | Application | Device | LedgerEntry | None:
    actor = info.context.require_actor()
    type_name, pk = parse_id(id)
    async with reading(info) as session:
        if type_name == "Company":
            return await company_service.get_company(session, actor=actor, company_id=pk)
        if type_name == "User":
            return await user_service.get_user(session, actor=actor, user_id=pk)
        if type_name == "Account":
            return await account_service.get_account(session, actor=actor, account_id=pk)
        if type_name == "License":
            return await account_service.find_license(session, pk)
        if type_name == "Application":
            return await application_service.get_application(
                session, actor=actor, application_id=pk
            )
        if type_name == "Device":
            return await device_service.get_device(session, actor=actor, device_id=pk)
        if type_name == "LedgerEntry":
            return await credit_service.get_entry(session, actor=actor, entry_id=pk)
        if type_name == "Invitation":
            return await invitation_service.get_invitation(session, actor=actor, invitation_id=pk)
    return None
