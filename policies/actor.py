"""Who is acting: the signed-in user, as loaded from the database on this request."""

from __future__ import annotations

from dataclasses import dataclass, field

from models.company import Company, depth_of
from models.user import Role, User


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: int
    company_id: int
    company_path: str
    role: Role
    is_platform: bool  # the actor's company is the root (the platform operator)
    # The rows as loaded on this request (read-only): `me` and requests about one's own
    # company need no second query.
    user: User | None = field(default=None, compare=False, repr=False)
    company: Company | None = field(default=None, compare=False, repr=False)

    @property
    def company_depth(self) -> int:
        return depth_of(self.company_path)

    @property
    def subject(self) -> str:
        """The Casbin subject: the role, prefixed for the platform's own staff."""
        return f"platform:{self.role.value}" if self.is_platform else self.role.value
