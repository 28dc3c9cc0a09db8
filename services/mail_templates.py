"""Every mail the platform sends, in English, Spanish and French, as plain text and HTML.

A mail is built once from blocks (paragraphs, a link, a table of changes, a quote) and each
block is written into both parts, so the two always say the same. Values (company and
account names, a rejection's reason) are escaped when the HTML part is written; templates
are ours. Mails name what a user knows: companies, accounts, licenses by their names, and
what changed as before -> after; never a row number.
"""

from __future__ import annotations

import enum
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from models.account import ApplicationKind, ReminderKind
from models.user import Locale, Role


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Change:
    """One term of an account: `before` None for a new account's terms. `account` names the
    account where the mail is about two (a datapoint transfer's target)."""

    term: str  # a key of services.account.snapshot, "license" for the license's name
    before: Any
    after: Any
    account: str | None = None


class _Kind(enum.Enum):
    DATE = "date"
    NUMBER = "number"
    TEXT = "text"


# The terms a mail may show, in the order it shows them, and how their values read.
TERMS: Mapping[str, _Kind] = {
    "license": _Kind.TEXT,
    "datapoints": _Kind.NUMBER,
    "meters": _Kind.NUMBER,
    "pods": _Kind.NUMBER,
    "realtimeMeters": _Kind.NUMBER,
    "rtcLines": _Kind.NUMBER,
    "smsCredits": _Kind.NUMBER,
    "periodMonths": _Kind.NUMBER,
    "startsAt": _Kind.DATE,
    "expiresAt": _Kind.DATE,
}

_TERM_LABELS: Mapping[Locale, Mapping[str, str]] = {
    Locale.EN: {
        "license": "License",
        "datapoints": "Datapoints",
        "meters": "Meters",
        "pods": "PODs",
        "realtimeMeters": "Real-time meters",
        "rtcLines": "RTC lines",
        "smsCredits": "SMS credits",
        "periodMonths": "Period (months)",
        "startsAt": "Starts",
        "expiresAt": "Expires",
    },
    Locale.ES: {
        "license": "Licencia",
        "datapoints": "Puntos de datos",
        "meters": "Contadores",
        "pods": "POD",
        "realtimeMeters": "Contadores en tiempo real",
        "rtcLines": "Líneas RTC",
        "smsCredits": "Créditos SMS",
        "periodMonths": "Periodo (meses)",
        "startsAt": "Inicio",
        "expiresAt": "Vencimiento",
    },
    Locale.FR: {
        "license": "Licence",
        "datapoints": "Points de données",
        "meters": "Compteurs",
        "pods": "PODs",
        "realtimeMeters": "Compteurs en temps réel",
        "rtcLines": "Lignes RTC",
        "smsCredits": "Crédits SMS",
        "periodMonths": "Période (mois)",
        "startsAt": "Début",
        "expiresAt": "Échéance",
    },
}

_ROLES: Mapping[Locale, Mapping[Role, str]] = {
    Locale.EN: {
        Role.USER: "user",
        Role.ADVANCED_USER: "advanced user",
        Role.ADMINISTRATOR: "administrator",
        Role.SUPERADMIN: "superadmin",
    },
    Locale.ES: {
        Role.USER: "usuario",
        Role.ADVANCED_USER: "usuario avanzado",
        Role.ADMINISTRATOR: "administrador",
        Role.SUPERADMIN: "superadministrador",
    },
    Locale.FR: {
        Role.USER: "utilisateur",
        Role.ADVANCED_USER: "utilisateur avancé",
        Role.ADMINISTRATOR: "administrateur",
        Role.SUPERADMIN: "superadministrateur",
    },
}

# What an application asks for, as a label ("... (renewal)").
_APPLICATION_KINDS: Mapping[Locale, Mapping[ApplicationKind, str]] = {
    Locale.EN: {
        ApplicationKind.NEW_ACCOUNT: "new account",
        ApplicationKind.EXTENSION: "extension",
        ApplicationKind.LICENSE_CHANGE: "license change",
        ApplicationKind.RENEWAL: "renewal",
        ApplicationKind.DATAPOINT_TRANSFER: "datapoint transfer",
    },
    Locale.ES: {
        ApplicationKind.NEW_ACCOUNT: "nueva cuenta",
        ApplicationKind.EXTENSION: "ampliación",
        ApplicationKind.LICENSE_CHANGE: "cambio de licencia",
        ApplicationKind.RENEWAL: "renovación",
        ApplicationKind.DATAPOINT_TRANSFER: "traspaso de puntos de datos",
    },
    Locale.FR: {
        ApplicationKind.NEW_ACCOUNT: "nouveau compte",
        ApplicationKind.EXTENSION: "extension",
        ApplicationKind.LICENSE_CHANGE: "changement de licence",
        ApplicationKind.RENEWAL: "renouvellement",
        ApplicationKind.DATAPOINT_TRANSFER: "transfert de points de données",
    },
}

_MONTHS: Mapping[Locale, Sequence[str]] = {
    Locale.EN: (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    Locale.ES: (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
    Locale.FR: (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
}

_TEXTS: Mapping[Locale, Mapping[str, str]] = {
    Locale.EN: {
        "hello": "Hello,",
        "hello_name": "Hello {name},",
        "signature": "The fleet administration platform",
        "invitation.subject": "You are invited to {company}",
        "invitation.body": (
            "You have been invited to join {company} as {role} on the fleet administration"
            " platform."
        ),
        "invitation.action": "Choose your password and activate your account here:",
        "invitation.expiry": "The link works once and expires on {expires}.",
        "invitation.ignore": "If you did not expect this invitation, you can ignore this mail.",
        "reset.subject": "Reset your password",
        "reset.body": (
            "Someone asked to reset the password of your account on the fleet administration"
            " platform."
        ),
        "reset.action": "Choose a new password here (the link works once, for {minutes} minutes):",
        "reset.ignore": "If it was not you, ignore this mail: your password stays as it is.",
        "reminder.subject.MONTH_BEFORE": "The account {account} expires in one month",
        "reminder.subject.WEEK_BEFORE": "The account {account} expires in one week",
        "reminder.subject.ON_THE_DAY": "The account {account} expires today",
        "reminder.body": "The account {account} of {company} expires on {expires}.",
        "reminder.action": (
            "File a renewal application to keep it running for another 12 months; devices of"
            " an expired account keep their data, but no new device can be bound to it."
        ),
        "filed.subject": "New application ({kind}): {account}, {company}",
        "filed.body": (
            "{company} filed an application for the account {account}: {kind}. It waits for"
            " the platform desk's decision."
        ),
        "filed.changes": "Asked for:",
        "approved.subject": "Application approved: {account}",
        "approved.body": (
            "The application for the account {account} of {company} ({kind}) was approved."
        ),
        "approved.changes": "What changed:",
        "rejected.subject": "Application rejected: {account}",
        "rejected.body": (
            "The application for the account {account} of {company} ({kind}) was rejected;"
            " nothing changed."
        ),
        "rejected.changes": "What was asked for:",
        "rejected.reason": "Reason:",
        "runs_until": "The account runs until {date}.",
        "date": "{day} {month} {year}",
        "datetime": "{day} {month} {year} at {time} UTC",
        "term": "{label}: {value}",
    },
    Locale.ES: {
        "hello": "Hola:",
        "hello_name": "Hola, {name}:",
        "signature": "La plataforma de administración de flotas",
        "invitation.subject": "Le invitan a unirse a {company}",
        "invitation.body": (
            "Le han invitado a unirse a {company} como {role} en la plataforma de"
            " administración de flotas."
        ),
        "invitation.action": "Elija su contraseña y active su cuenta aquí:",
        "invitation.expiry": "El enlace solo puede usarse una vez y caduca el {expires}.",
        "invitation.ignore": "Si no esperaba esta invitación, puede ignorar este correo.",
        "reset.subject": "Restablezca su contraseña",
        "reset.body": (
            "Alguien ha pedido restablecer la contraseña de su cuenta en la plataforma de"
            " administración de flotas."
        ),
        "reset.action": (
            "Elija una contraseña nueva aquí (el enlace solo puede usarse una vez, durante"
            " {minutes} minutos):"
        ),
        "reset.ignore": (
            "Si no ha sido usted, ignore este correo: su contraseña seguirá siendo la misma."
        ),
        "reminder.subject.MONTH_BEFORE": "La cuenta {account} vence dentro de un mes",
        "reminder.subject.WEEK_BEFORE": "La cuenta {account} vence dentro de una semana",
        "reminder.subject.ON_THE_DAY": "La cuenta {account} vence hoy",
        "reminder.body": "La cuenta {account} de {company} vence el {expires}.",
        "reminder.action": (
            "Presente una solicitud de renovación para mantenerla activa otros 12 meses; los"
            " dispositivos de una cuenta vencida conservan sus datos, pero no se puede"
            " vincular ningún dispositivo nuevo a ella."
        ),
        "filed.subject": "Nueva solicitud ({kind}): {account}, {company}",
        "filed.body": (
            "{company} ha presentado una solicitud para la cuenta {account}: {kind}. Está"
            " pendiente de la decisión del equipo de la plataforma."
        ),
        "filed.changes": "Lo que se pide:",
        "approved.subject": "Solicitud aprobada: {account}",
        "approved.body": (
            "Se ha aprobado la solicitud para la cuenta {account} de {company} ({kind})."
        ),
        "approved.changes": "Lo que ha cambiado:",
        "rejected.subject": "Solicitud rechazada: {account}",
        "rejected.body": (
            "Se ha rechazado la solicitud para la cuenta {account} de {company} ({kind});"
            " no ha cambiado nada."
        ),
        "rejected.changes": "Lo que se pedía:",
        "rejected.reason": "Motivo:",
        "runs_until": "La cuenta está activa hasta el {date}.",
        "date": "{day} de {month} de {year}",
        "datetime": "{day} de {month} de {year} a las {time} UTC",
        "term": "{label}: {value}",
    },
    Locale.FR: {
        "hello": "Bonjour,",
        "hello_name": "Bonjour {name},",
        "signature": "La plateforme d'administration de flotte",
        "invitation.subject": "Vous êtes invité à rejoindre {company}",
        "invitation.body": (
            "Vous avez été invité à rejoindre {company} en tant que {role} sur la plateforme"
            " d'administration de flotte."
        ),
        "invitation.action": "Choisissez votre mot de passe et activez votre compte ici :",
        "invitation.expiry": "Le lien ne sert qu'une fois et expire le {expires}.",
        "invitation.ignore": (
            "Si vous n'attendiez pas cette invitation, vous pouvez ignorer ce message."
        ),
        "reset.subject": "Réinitialisez votre mot de passe",
        "reset.body": (
            "Quelqu'un a demandé à réinitialiser le mot de passe de votre compte sur la"
            " plateforme d'administration de flotte."
        ),
        "reset.action": (
            "Choisissez un nouveau mot de passe ici (le lien ne sert qu'une fois, pendant"
            " {minutes} minutes) :"
        ),
        "reset.ignore": (
            "Si ce n'était pas vous, ignorez ce message : votre mot de passe reste inchangé."
        ),
        "reminder.subject.MONTH_BEFORE": "Le compte {account} expire dans un mois",
        "reminder.subject.WEEK_BEFORE": "Le compte {account} expire dans une semaine",
        "reminder.subject.ON_THE_DAY": "Le compte {account} expire aujourd'hui",
        "reminder.body": "Le compte {account} de la société {company} expire le {expires}.",
        "reminder.action": (
            "Déposez une demande de renouvellement pour le prolonger de 12 mois ; les appareils"
            " d'un compte expiré conservent leurs données, mais aucun nouvel appareil ne peut"
            " y être rattaché."
        ),
        "filed.subject": "Nouvelle demande ({kind}) : {account}, {company}",
        "filed.body": (
            "La société {company} a déposé une demande pour le compte {account} : {kind}."
            " Elle attend la décision de l'équipe de la plateforme."
        ),
        "filed.changes": "Ce qui est demandé :",
        "approved.subject": "Demande approuvée : {account}",
        "approved.body": (
            "La demande pour le compte {account} de la société {company} ({kind}) a été approuvée."
        ),
        "approved.changes": "Ce qui a changé :",
        "rejected.subject": "Demande refusée : {account}",
        "rejected.body": (
            "La demande pour le compte {account} de la société {company} ({kind}) a été"
            " refusée ; rien n'a changé."
        ),
        "rejected.changes": "Ce qui était demandé :",
        "rejected.reason": "Motif :",
        "runs_until": "Le compte court jusqu'au {date}.",
        "date": "{day} {month} {year}",
        "datetime": "{day} {month} {year} à {time} UTC",
        "term": "{label} : {value}",
    },
}

_THOUSANDS: Mapping[Locale, str] = {Locale.EN: ",", Locale.ES: ".", Locale.FR: "\u202f"}
_NOTHING = "—"


def format_number(value: int, locale: Locale) -> str:
    return f"{value:,}".replace(",", _THOUSANDS[locale])


def format_date(moment: datetime, locale: Locale, *, time: bool = False) -> str:
    values = {
        # French writes the first of the month as an ordinal: 1er mars.
        "day": "1er" if locale is Locale.FR and moment.day == 1 else str(moment.day),
        "month": _MONTHS[locale][moment.month - 1],
        "year": moment.year,
        "time": f"{moment:%H:%M}",
    }
    return _TEXTS[locale]["datetime" if time else "date"].format_map(values)


def _value(term: str, value: Any, locale: Locale) -> str:
    if value is None:
        return _NOTHING
    kind = TERMS.get(term, _Kind.TEXT)
    if kind is _Kind.DATE:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return format_date(moment, locale)
    if kind is _Kind.NUMBER and isinstance(value, int):
        return format_number(value, locale)
    return str(value)


@dataclass
class _Writer:
    """Writes each block into the text and the HTML part at once."""

    locale: Locale
    text: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)

    def say(self, key: str, **values: str) -> None:
        template = _TEXTS[self.locale][key]
        self.text.append(template.format_map(values))
        escaped = {name: f"<strong>{html.escape(value)}</strong>" for name, value in values.items()}
        self.html.append(f"<p>{html.escape(template).format_map(escaped)}</p>")

    def link(self, url: str) -> None:
        self.text.append(url)
        href = html.escape(url, quote=True)
        self.html.append(f'<p><a href="{href}">{href}</a></p>')

    def quote(self, key: str, quoted: str) -> None:
        label = _TEXTS[self.locale][key]
        self.text.append(f"{label}\n" + "\n".join(f"> {line}" for line in quoted.splitlines()))
        lines = "<br>".join(html.escape(line) for line in quoted.splitlines())
        self.html.append(f"<p>{html.escape(label)}</p><blockquote>{lines}</blockquote>")

    def changes(self, key: str, changes: Sequence[Change]) -> None:
        if not changes:
            return
        labels = _TERM_LABELS[self.locale]
        rows: list[tuple[str, str | None, str]] = []
        for change in changes:
            label = labels[change.term]
            if change.account:
                label = f"{label} ({change.account})"
            before = change.before
            shown = None if before is None else _value(change.term, before, self.locale)
            rows.append((label, shown, _value(change.term, change.after, self.locale)))
        heading = _TEXTS[self.locale][key]
        term = _TEXTS[self.locale]["term"]
        lines = [
            term.format(label=label, value=after if before is None else f"{before} -> {after}")
            for label, before, after in rows
        ]
        self.text.append(heading + "".join(f"\n- {line}" for line in lines))
        cells = "".join(
            f'<tr><th align="left">{html.escape(label)}</th>'
            f"<td>{'' if before is None else html.escape(before)}</td>"
            f"<td>{'' if before is None else '&rarr;'}</td>"
            f"<td>{html.escape(after)}</td></tr>"
            for label, before, after in rows
        )
        self.html.append(f"<p>{html.escape(heading)}</p><table>{cells}</table>")

    def mail(self, subject: str) -> Mail:
        signature = _TEXTS[self.locale]["signature"]
        text = "\n\n".join([*self.text, f"-- \n{signature}"]) + "\n"
        body = "\n".join(self.html)
        document = (
            f'<!DOCTYPE html>\n<html lang="{self.locale.value}">\n<head><meta charset="utf-8">'
            f"<title>{html.escape(subject)}</title></head>\n<body>\n{body}\n"
            f"<p>{html.escape(signature)}</p>\n</body>\n</html>\n"
        )
        return Mail(subject=subject, text=text, html=document)


def _subject(locale: Locale, key: str, **values: str) -> str:
    # A header: no line breaks, whatever a name holds.
    return " ".join(_TEXTS[locale][key].format_map(values).split())


def invitation(
    locale: Locale,
    *,
    name: str,
    company: str,
    role: Role,
    link: str,
    expires_at: datetime,
) -> Mail:
    writer = _Writer(locale)
    if name:
        writer.say("hello_name", name=name)
    else:
        writer.say("hello")
    writer.say("invitation.body", company=company, role=_ROLES[locale][role])
    writer.say("invitation.action")
    writer.link(link)
    writer.say("invitation.expiry", expires=format_date(expires_at, locale, time=True))
    writer.say("invitation.ignore")
    return writer.mail(_subject(locale, "invitation.subject", company=company))


def password_reset(locale: Locale, *, link: str, minutes: int) -> Mail:
    writer = _Writer(locale)
    writer.say("hello")
    writer.say("reset.body")
    writer.say("reset.action", minutes=str(minutes))
    writer.link(link)
    writer.say("reset.ignore")
    return writer.mail(_subject(locale, "reset.subject"))


def renewal_reminder(
    locale: Locale, *, kind: ReminderKind, account: str, company: str, expires_at: datetime
) -> Mail:
    writer = _Writer(locale)
    writer.say("hello")
    expires = format_date(expires_at, locale, time=True)
    writer.say("reminder.body", account=account, company=company, expires=expires)
    writer.say("reminder.action")
    return writer.mail(_subject(locale, f"reminder.subject.{kind.value}", account=account))


def application_filed(
    locale: Locale,
    *,
    kind: ApplicationKind,
    account: str,
    company: str,
    changes: Sequence[Change],
) -> Mail:
    writer = _Writer(locale)
    kind_name = _APPLICATION_KINDS[locale][kind]
    writer.say("hello")
    writer.say("filed.body", kind=kind_name, account=account, company=company)
    writer.changes("filed.changes", changes)
    subject = _subject(locale, "filed.subject", kind=kind_name, account=account, company=company)
    return writer.mail(subject)


def application_decision(
    locale: Locale,
    *,
    kind: ApplicationKind,
    approved: bool,
    account: str,
    company: str,
    changes: Sequence[Change],
    reason: str | None = None,
    runs_until: datetime | None = None,
) -> Mail:
    writer = _Writer(locale)
    verdict = "approved" if approved else "rejected"
    kind_name = _APPLICATION_KINDS[locale][kind]
    writer.say("hello")
    writer.say(f"{verdict}.body", kind=kind_name, account=account, company=company)
    writer.changes(f"{verdict}.changes", changes)
    if reason:
        writer.quote("rejected.reason", reason)
    if approved and runs_until is not None and all(c.term != "expiresAt" for c in changes):
        writer.say("runs_until", date=format_date(runs_until, locale))
    return writer.mail(_subject(locale, f"{verdict}.subject", account=account))
