"""SQLAlchemy models. They know nothing of GraphQL; importing this package registers them all."""

from models.auth import RefreshToken
from models.base import Base
from models.company import Company
from models.user import Role, User

__all__ = ["Base", "Company", "RefreshToken", "Role", "User"]
