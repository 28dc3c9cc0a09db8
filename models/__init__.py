"""SQLAlchemy models. They know nothing of GraphQL; importing this package registers them all."""

from models.account import (
    Account,
    AccountReminder,
    Application,
    ApplicationKind,
    ApplicationStatus,
    License,
)
from models.audit import AuditEntry, AuditSeal
from models.auth import RefreshToken
from models.base import Base
from models.company import Company
from models.credit import CreditBalance, EntryKind, IdempotencyKey, LedgerEntry
from models.device import Device, DeviceStatus
from models.event import Event, Topic
from models.mail import OutboxMessage
from models.user import Invitation, LoginThrottle, PasswordResetToken, Role, User

__all__ = [
    "Account",
    "AccountReminder",
    "Application",
    "ApplicationKind",
    "ApplicationStatus",
    "AuditEntry",
    "AuditSeal",
    "Base",
    "Company",
    "CreditBalance",
    "Device",
    "DeviceStatus",
    "EntryKind",
    "Event",
    "IdempotencyKey",
    "Invitation",
    "LedgerEntry",
    "License",
    "LoginThrottle",
    "OutboxMessage",
    "PasswordResetToken",
    "RefreshToken",
    "Role",
    "Topic",
    "User",
]
