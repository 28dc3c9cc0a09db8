"""SQLAlchemy models. They know nothing of GraphQL; importing this package registers them all."""

from models.auth import RefreshToken
from models.base import Base
from models.company import Company
from models.mail import OutboxMessage
from models.user import Invitation, LoginThrottle, PasswordResetToken, Role, User

__all__ = [
    "Base",
    "Company",
    "Invitation",
    "LoginThrottle",
    "OutboxMessage",
    "PasswordResetToken",
    "RefreshToken",
    "Role",
    "User",
]
