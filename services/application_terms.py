"""An application read as terms: the account's terms when it was filed (`before`), what it
asks for (`request_of`, one dataclass per kind) and the terms approving it gives (`after`).

Stored as filed (`Application.change` and `.before`, JSON of the database's own integers);
read here into plain values whose identifiers the API turns into its global IDs. What no
application changes (sector, payment, mail domain, comment) is not in the stored snapshot:
it is read from the account, where it has not changed since the account was requested.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from models.account import (
    AccountRead,
    Application,
    ApplicationKind,
    ApplicationStatus,
    CardType,
    PaymentMethod,
    Sector,
)
from services.account import add_months


@dataclass(frozen=True)
class Terms:
    """What an account is contracted for, and when it runs."""

    name: str
    customer_name: str
    license_id: int
    datapoints: int
    meters: int
    pods: int
    realtime_meters: int
    rtc_lines: int
    sms_credits: int
    period_months: int
    sector: Sector
    payment_method: PaymentMethod
    card_type: CardType | None
    email_domain: str | None
    comment: str | None
    starts_at: datetime | None
    expires_at: datetime | None


@dataclass(frozen=True)
class NewAccountRequest:
    terms: Terms


@dataclass(frozen=True)
class ExtensionRequest:
    """Amounts added (datapoints may be negative: freed)."""

    datapoints: int
    meters: int
    pods: int
    realtime_meters: int
    rtc_lines: int
    sms_credits: int


@dataclass(frozen=True)
class LicenseChangeRequest:
    license_id: int


@dataclass(frozen=True)
class RenewalRequest:
    months: int


@dataclass(frozen=True)
class DatapointTransferRequest:
    datapoints: int
    target_account_id: int


Request = (
    NewAccountRequest
    | ExtensionRequest
    | LicenseChangeRequest
    | RenewalRequest
    | DatapointTransferRequest
)


def _moment(value: Any) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _terms(values: dict[str, Any], account: AccountRead | None) -> Terms:
    """Terms from stored camelCase values; what they lack, from the account (or none: a
    NEW_ACCOUNT change leaves out what was not given)."""

    def get(key: str, attribute: str) -> Any:
        if key in values:
            return values[key]
        return None if account is None else getattr(account, attribute)

    card = get("cardType", "card_type")
    return Terms(
        name=get("name", "name"),
        customer_name=get("customerName", "customer_name"),
        license_id=get("licenseId", "license_id"),
        datapoints=get("datapoints", "datapoints"),
        meters=get("meters", "meters"),
        pods=get("pods", "pods"),
        realtime_meters=get("realtimeMeters", "realtime_meters"),
        rtc_lines=get("rtcLines", "rtc_lines"),
        sms_credits=get("smsCredits", "sms_credits"),
        period_months=get("periodMonths", "period_months"),
        sector=Sector(get("sector", "sector")),
        payment_method=PaymentMethod(get("paymentMethod", "payment_method")),
        card_type=None if card is None else CardType(card),
        email_domain=get("emailDomain", "email_domain"),
        comment=get("comment", "comment"),
        starts_at=_moment(values.get("startsAt")),
        expires_at=_moment(values.get("expiresAt")),
    )


def before(application: Application, account: AccountRead) -> Terms | None:
    """The account's terms when the application was filed; None for a new account."""
    if application.kind is ApplicationKind.NEW_ACCOUNT or application.before is None:
        return None
    return _terms(application.before, account)


def request_of(application: Application) -> Request:
    change = application.change
    kind = application.kind
    if kind is ApplicationKind.EXTENSION:
        return ExtensionRequest(
            datapoints=change["datapoints"],
            meters=change["meters"],
            pods=change["pods"],
            realtime_meters=change["realtimeMeters"],
            rtc_lines=change["rtcLines"],
            sms_credits=change["smsCredits"],
        )
    if kind is ApplicationKind.LICENSE_CHANGE:
        return LicenseChangeRequest(license_id=change["licenseId"])
    if kind is ApplicationKind.RENEWAL:
        return RenewalRequest(months=change["months"])
    if kind is ApplicationKind.DATAPOINT_TRANSFER:
        return DatapointTransferRequest(
            datapoints=change["datapoints"], target_account_id=change["targetAccountId"]
        )
    # A new account asks for terms (it has no dates until it is approved).
    return NewAccountRequest(terms=_terms(change, None))


def after(application: Application, account: AccountRead, now: datetime) -> Terms:
    """The terms approving the application gives the account: what it gave, once approved
    (approval runs at `decidedAt`); else what approving it at its decision, or now while
    pending, would give, the account unchanged meanwhile (a pending application holds it).
    """
    moment = application.decided_at or now
    request = request_of(application)
    if isinstance(request, NewAccountRequest):
        start = moment
        if application.status is ApplicationStatus.APPROVED and account.starts_at is not None:
            start = account.starts_at
        months = request.terms.period_months
        return replace(request.terms, starts_at=start, expires_at=add_months(start, months))
    terms = before(application, account)
    assert terms is not None  # every other kind is filed with its snapshot
    if isinstance(request, ExtensionRequest):
        return replace(
            terms,
            datapoints=terms.datapoints + request.datapoints,
            meters=terms.meters + request.meters,
            pods=terms.pods + request.pods,
            realtime_meters=terms.realtime_meters + request.realtime_meters,
            rtc_lines=terms.rtc_lines + request.rtc_lines,
            sms_credits=terms.sms_credits + request.sms_credits,
        )
    if isinstance(request, LicenseChangeRequest):
        return replace(terms, license_id=request.license_id)
    if isinstance(request, RenewalRequest):
        assert terms.expires_at is not None  # only approved accounts are renewed
        return replace(terms, expires_at=add_months(max(moment, terms.expires_at), request.months))
    return replace(terms, datapoints=terms.datapoints - request.datapoints)
