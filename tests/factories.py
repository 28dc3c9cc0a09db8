"""Factories: build companies and users directly through the models, with fast hashes."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config import Settings
from models.company import Company, path_segment
from models.user import Locale, Role, User
from server import token_config
from services import tokens
from services.passwords import hash_password

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


@lru_cache(maxsize=1)
def password_hash() -> str:
    """argon2 is slow by design: hash the shared test password once."""
    return hash_password(PASSWORD)


@dataclass
class Factory:
    sessionmaker: async_sessionmaker[AsyncSession]
    settings: Settings

    async def company(
        self,
        parent: Company | None = None,
        *,
        name: str | None = None,
        country_code: str = "ES",
        archived: bool = False,
    ) -> Company:
        async with self.sessionmaker() as session:
            company = Company(
                parent_id=parent.id if parent else None,
                path=f"~{next(_counter)}",
                depth=parent.depth + 1 if parent else 0,
                name=name or f"Company {next(_counter)}",
                country_code=country_code,
                archived_at=datetime.now(UTC) if archived else None,
            )
            session.add(company)
            await session.flush()
            company.path = (parent.path if parent else "") + path_segment(company.id)
            await session.commit()
            return company

    async def tree(self, depth: int, *, root: Company | None = None) -> list[Company]:
        """A chain root -> ... of `depth` levels below `root` (or a new root)."""
        chain = [root or await self.company(name="Platform")]
        for level in range(depth):
            chain.append(await self.company(chain[-1], name=f"Level {level + 1}"))
        return chain

    async def user(
        self,
        company: Company,
        role: Role = Role.USER,
        *,
        email: str | None = None,
        active: bool = True,
        locale: Locale = Locale.EN,
    ) -> User:
        async with self.sessionmaker() as session:
            user = User(
                company_id=company.id,
                email=email or f"user{next(_counter)}@example.com",
                name="Test User",
                role=role,
                password_hash=password_hash(),
                is_active=active,
                locale=locale,
            )
            session.add(user)
            await session.commit()
            return user

    def token(self, user: User) -> str:
        """An access token as login would issue it (login itself is tested on its own)."""
        token, _, _ = tokens.encode(
            token_config(self.settings),
            kind=tokens.TokenType.ACCESS,
            user_id=user.id,
            auth_epoch=user.auth_epoch,
            now=datetime.now(UTC),
            session_id=tokens.new_jti(),  # a session never revoked
        )
        return token
