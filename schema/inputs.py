"""Mutation inputs: one input object per mutation."""

from __future__ import annotations

import strawberry


@strawberry.input
class LoginInput:
    email: str
    password: str


@strawberry.input
class TokenRefreshInput:
    refresh_token: str


@strawberry.input
class LogoutInput:
    refresh_token: str


@strawberry.input
class CompanyCreateInput:
    parent_id: strawberry.ID
    name: str
    country_code: str = strawberry.field(description="ISO 3166-1 alpha-2, e.g. ES.")
    use_parent_credits: bool = False


@strawberry.input
class CompanyRenameInput:
    id: strawberry.ID
    name: str


@strawberry.input
class CompanyArchiveInput:
    id: strawberry.ID


@strawberry.input
class CompanySetUseParentCreditsInput:
    id: strawberry.ID
    use_parent_credits: bool
