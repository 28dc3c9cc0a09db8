"""Root Mutation: one input object each, a result union of payload and typed errors."""

from __future__ import annotations

import strawberry

from resolvers import auth
from resolvers import company as company_resolvers
from schema.context import Info
from schema.errors import result_of
from schema.inputs import (
    CompanyArchiveInput,
    CompanyCreateInput,
    CompanyRenameInput,
    CompanySetUseParentCreditsInput,
    LoginInput,
    LogoutInput,
    TokenRefreshInput,
)
from schema.types.auth import (
    AuthPayload,
    LoginResult,
    LogoutPayload,
    LogoutResult,
    TokenRefreshResult,
)
from schema.types.company import (
    CompanyArchiveResult,
    CompanyCreateResult,
    CompanyPayload,
    CompanyRenameResult,
    CompanySetUseParentCreditsResult,
)


def _company_payload(company: object) -> CompanyPayload:
    return CompanyPayload(company=company)  # type: ignore[arg-type]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Sign in with email and password.")
    async def login(self, info: Info, input: LoginInput) -> LoginResult:
        return await result_of(auth.login(info, input), AuthPayload.of)  # type: ignore[return-value]

    @strawberry.mutation(description="Exchange a refresh token for a new token pair.")
    async def token_refresh(self, info: Info, input: TokenRefreshInput) -> TokenRefreshResult:
        return await result_of(auth.token_refresh(info, input), AuthPayload.of)  # type: ignore[return-value]

    @strawberry.mutation(description="Revoke the session the refresh token belongs to.")
    async def logout(self, info: Info, input: LogoutInput) -> LogoutResult:
        return await result_of(auth.logout(info, input), lambda _: LogoutPayload(ok=True))  # type: ignore[return-value]

    @strawberry.mutation(description="Create a company under `parentId`.")
    async def company_create(self, info: Info, input: CompanyCreateInput) -> CompanyCreateResult:
        return await result_of(company_resolvers.create(info, input), _company_payload)  # type: ignore[return-value]

    @strawberry.mutation
    async def company_rename(self, info: Info, input: CompanyRenameInput) -> CompanyRenameResult:
        return await result_of(company_resolvers.rename(info, input), _company_payload)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Archive an empty company (no active users, children, devices or credits)."
    )
    async def company_archive(self, info: Info, input: CompanyArchiveInput) -> CompanyArchiveResult:
        return await result_of(company_resolvers.archive(info, input), _company_payload)  # type: ignore[return-value]

    @strawberry.mutation
    async def company_set_use_parent_credits(
        self, info: Info, input: CompanySetUseParentCreditsInput
    ) -> CompanySetUseParentCreditsResult:
        return await result_of(  # type: ignore[return-value]
            company_resolvers.set_use_parent_credits(info, input), _company_payload
        )
