"""Every mail template in every locale: both parts, the names a user knows, no row numbers,
the HTML part escaped."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from models.account import ApplicationKind, ReminderKind
from models.user import Locale, Role
from services import mail_templates as templates
from services.mail_templates import Change, Mail

HOSTILE = 'Acme <script>alert("x")</script> & Sons'
ACCOUNT = "Planta Norte"
LINK = "https://app.example/accept-invitation?token=abc&x=1"
EXPIRES = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)

CHANGES = [
    Change("datapoints", 100, 1200),
    Change("license", "Starter DP", "Professional DP"),
    Change("expiresAt", "2027-03-01T09:30:00+00:00", "2028-03-01T09:30:00+00:00"),
]

# Per template: how to render it, and the names its mail must carry.
TEMPLATES: dict[str, tuple[Callable[[Locale], Mail], list[str]]] = {
    "invitation": (
        lambda locale: templates.invitation(
            locale,
            name="Marta",
            company=HOSTILE,
            role=Role.ADMINISTRATOR,
            link=LINK,
            expires_at=EXPIRES,
        ),
        ["Marta", HOSTILE],
    ),
    "invitation_unnamed": (
        lambda locale: templates.invitation(
            locale, name="", company=HOSTILE, role=Role.USER, link=LINK, expires_at=EXPIRES
        ),
        [HOSTILE],
    ),
    "password_reset": (
        lambda locale: templates.password_reset(locale, link=LINK, minutes=60),
        [],
    ),
    **{
        f"reminder_{kind.value}": (
            lambda locale, kind=kind: templates.renewal_reminder(  # type: ignore[misc]
                locale, kind=kind, account=ACCOUNT, company=HOSTILE, expires_at=EXPIRES
            ),
            [ACCOUNT, HOSTILE],
        )
        for kind in ReminderKind
    },
    **{
        f"filed_{kind.value}": (
            lambda locale, kind=kind: templates.application_filed(  # type: ignore[misc]
                locale, kind=kind, account=ACCOUNT, company=HOSTILE, changes=CHANGES
            ),
            [ACCOUNT, HOSTILE, "Starter DP", "Professional DP"],
        )
        for kind in ApplicationKind
    },
    "approved": (
        lambda locale: templates.application_decision(
            locale,
            kind=ApplicationKind.EXTENSION,
            approved=True,
            account=ACCOUNT,
            company=HOSTILE,
            changes=CHANGES,
        ),
        [ACCOUNT, HOSTILE, "Starter DP", "Professional DP"],
    ),
    "approved_new_account": (
        lambda locale: templates.application_decision(
            locale,
            kind=ApplicationKind.NEW_ACCOUNT,
            approved=True,
            account=ACCOUNT,
            company=HOSTILE,
            changes=[Change("license", None, "Starter DP"), Change("datapoints", None, 100)],
            runs_until=EXPIRES,
        ),
        [ACCOUNT, HOSTILE, "Starter DP"],
    ),
    "rejected": (
        lambda locale: templates.application_decision(
            locale,
            kind=ApplicationKind.DATAPOINT_TRANSFER,
            approved=False,
            account=ACCOUNT,
            company=HOSTILE,
            changes=[
                Change("datapoints", 500, 400, account=ACCOUNT),
                Change("datapoints", 100, 200, account="Planta Sur"),
            ],
            reason="Falta el contrato <firmado>",
        ),
        [ACCOUNT, "Planta Sur", HOSTILE, "Falta el contrato <firmado>"],
    ),
}

# Words each locale's mails are recognised by (and the others' are not).
GREETING = {Locale.EN: "Hello", Locale.ES: "Hola", Locale.FR: "Bonjour"}


class _Text(HTMLParser):
    """The text an HTML part's body shows, and every tag it opens."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.shown: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        if "body" in self.tags:
            self.shown.append(data)


def _shown(document: str) -> _Text:
    parser = _Text()
    parser.feed(document)
    parser.close()
    return parser


@pytest.mark.parametrize("locale", list(Locale))
@pytest.mark.parametrize("name", list(TEMPLATES))
def test_each_template_renders_in_each_locale(name: str, locale: Locale) -> None:
    render, names = TEMPLATES[name]
    mail = render(locale)
    shown = _shown(mail.html)

    # Both parts, in the recipient's language
    assert mail.subject
    assert "\n" not in mail.subject
    assert mail.text.startswith(GREETING[locale]), mail.text
    assert f'<html lang="{locale.value}">' in mail.html
    assert "".join(shown.shown).strip().startswith(GREETING[locale])
    # naming what the user knows, the same in both parts
    for known in names:
        assert known in mail.text
        assert known in "".join(shown.shown)
    # never a row number
    assert not re.search(r"#\s*\d", mail.text + mail.subject)
    # and a hostile name is text in the HTML part, never markup
    assert "script" not in shown.tags
    assert "<script>" not in mail.html
    # no template placeholder left unfilled
    assert "{" not in mail.text + mail.html + mail.subject


@pytest.mark.parametrize("locale", list(Locale))
def test_the_link_is_in_both_parts_escaped_in_the_html(locale: Locale) -> None:
    mail = templates.invitation(
        locale, name="", company="Acme", role=Role.USER, link=LINK, expires_at=EXPIRES
    )
    assert LINK in mail.text.splitlines()
    assert 'href="https://app.example/accept-invitation?token=abc&amp;x=1"' in mail.html


def test_the_decision_says_what_changed_before_and_after_in_each_language() -> None:
    def decision(locale: Locale) -> Mail:
        return templates.application_decision(
            locale,
            kind=ApplicationKind.EXTENSION,
            approved=True,
            account=ACCOUNT,
            company="Hotel Sol",
            changes=CHANGES,
        )

    assert "- Datapoints: 100 -> 1,200" in decision(Locale.EN).text
    assert "- Puntos de datos: 100 -> 1.200" in decision(Locale.ES).text
    assert "- Points de données : 100 -> 1\u202f200" in decision(Locale.FR).text
    assert "- Licence : Starter DP -> Professional DP" in decision(Locale.FR).text
    assert "- Échéance : 1er mars 2027 -> 1er mars 2028" in decision(Locale.FR).text
    assert "- Vencimiento: 1 de marzo de 2027 -> 1 de marzo de 2028" in decision(Locale.ES).text


def test_a_rejection_quotes_its_reason_line_by_line() -> None:
    mail = templates.application_decision(
        Locale.ES,
        kind=ApplicationKind.RENEWAL,
        approved=False,
        account=ACCOUNT,
        company="Hotel Sol",
        changes=[],
        reason="Falta el contrato.\nLlámenos <hoy>.",
    )
    assert "Motivo:\n> Falta el contrato.\n> Llámenos <hoy>." in mail.text
    assert "<blockquote>Falta el contrato.<br>Llámenos &lt;hoy&gt;.</blockquote>" in mail.html
    assert "no ha cambiado nada" in mail.text
