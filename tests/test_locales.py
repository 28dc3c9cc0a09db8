"""Languages: users' locales, mails in the recipient's, error messages in the request's
`Accept-Language` with the codes unchanged."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import func, select

from config import Settings
from models.account import Account
from models.base import utcnow
from models.mail import OutboxMessage
from models.user import Invitation, Locale, Role, User
from services import error_messages, locales
from services import invitation as invitations
from services.errors import ErrorCode
from services.mail_delivery import SmtpTransport, deliver_all_due
from services.reminders import send_due_reminders
from tests.factories import Factory
from tests.graphql import GraphQLClient, cid, gid, mutate, mutation, union
from tests.helpers import Maker, actor_of, add_account
from tests.smtp import SmtpServer, body

# --- Accept-Language --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, Locale.EN),
        ("", Locale.EN),
        ("es", Locale.ES),
        ("fr-CA", Locale.FR),
        ("ES-mx", Locale.ES),
        ("de", Locale.EN),  # nothing we speak: English
        ("de, fr;q=0.5, es;q=0.8", Locale.ES),  # the highest weight we speak
        ("fr;q=0.5, es;q=0.5", Locale.FR),  # a tie: the first listed
        ("es;q=0, *", Locale.EN),  # any, but not Spanish
        ("*, en;q=0", Locale.ES),  # a refusal counts wherever it is listed
        ("en;q=0, es;q=0, fr;q=0", Locale.EN),  # nothing acceptable: English all the same
        ("es;q=abc, fr;q=0.1", Locale.FR),  # an unreadable weight drops its entry
        ("es;q=1.5", Locale.EN),  # so does a weight out of range
        ("1234, fr", Locale.FR),  # and a malformed range
        ("es" + ", x" * 2000, Locale.ES),  # a huge header is read only so far
    ],
)
def test_accept_language_is_negotiated(header: str | None, expected: Locale) -> None:
    assert locales.negotiate(header) is expected


# --- the error catalog --------------------------------------------------------------------


@pytest.mark.parametrize("locale", [Locale.ES, Locale.FR])
@pytest.mark.parametrize("code", [*ErrorCode, *error_messages.TOP_LEVEL])
def test_every_code_has_a_message_in_each_language(code: str, locale: Locale) -> None:
    numbers = {"minimum": 20, "maximum": 200, "in_use": 30, "available": 5, "retry_after": 60}
    with_numbers = error_messages.render(
        code, locale, english="ENGLISH", field="name", numbers=numbers
    )
    without = error_messages.render(code, locale, english="ENGLISH")
    for message in (with_numbers, without):
        assert message != "ENGLISH"
        assert message
        assert "{" not in message
        assert "None" not in message


# --- error messages through the API --------------------------------------------------------

PROFILE_UPDATE = mutation(
    "profileUpdate",
    union("UserPayload { user { id name locale } }", "ValidationError { maximum }"),
)


async def _too_long(client: GraphQLClient, token: str, accept: str | None) -> dict[str, Any]:
    headers = {} if accept is None else {"accept-language": accept}
    response = await client(
        PROFILE_UPDATE, {"input": {"name": "x" * 201}}, token=token, headers=headers
    )
    result: dict[str, Any] = response.data["profileUpdate"]
    return result


async def test_a_typed_errors_message_follows_accept_language(
    client: GraphQLClient, factory: Factory
) -> None:
    company = await factory.company()
    user = await factory.user(company)
    token = factory.token(user)

    answers = {
        accept: await _too_long(client, token, accept)
        for accept in (None, "es", "fr-FR", "de", "de;q=1, fr;q=0.8, es;q=0.9")
    }

    # The code, field and numbers never change; the message is in the language asked for
    assert {(a["code"], a["field"], a["maximum"]) for a in answers.values()} == {
        ("TOO_LONG", "name", 200)
    }
    assert answers[None]["message"] == "Must be at most 200 characters"
    assert answers["de"]["message"] == answers[None]["message"]  # unsupported: English
    assert answers["es"]["message"] == "Como máximo 200 caracteres"
    assert answers["fr-FR"]["message"] == "200 caractères au maximum"
    assert answers["de;q=1, fr;q=0.8, es;q=0.9"]["message"] == answers["es"]["message"]


async def test_top_level_errors_follow_accept_language(
    client: GraphQLClient, factory: Factory
) -> None:
    company = await factory.company()
    token = factory.token(await factory.user(company))

    def first_error(response: Any) -> dict[str, Any]:
        error: dict[str, Any] = response.errors[0]
        return error

    unauthenticated = {
        accept: first_error(await client("{ me { id } }", headers={"accept-language": accept}))
        for accept in ("en", "es", "fr", "zh")
    }
    page = {
        accept: first_error(
            await client(
                "{ users(first: 1000) { edges { node { id } } } }",
                token=token,
                headers={"accept-language": accept},
            )
        )
        for accept in ("en", "es", "fr", "zh")
    }

    assert {e["extensions"]["code"] for e in unauthenticated.values()} == {"UNAUTHENTICATED"}
    assert unauthenticated["es"]["message"] == "Se requiere autenticación"
    assert unauthenticated["fr"]["message"] == "Authentification requise"
    assert unauthenticated["zh"]["message"] == unauthenticated["en"]["message"]
    assert unauthenticated["en"]["message"] not in ("Se requiere autenticación",)
    # BAD_USER_INPUT says its rule's number in each language; its extensions stay as they are
    assert {
        (e["extensions"]["code"], e["extensions"]["reason"], e["extensions"]["maximum"])
        for e in page.values()
    } == {("BAD_USER_INPUT", "PAGE_SIZE_EXCEEDED", 100)}
    assert page["es"]["message"] == "Como máximo 100 elementos por página"
    assert page["fr"]["message"] == "100 éléments par page au maximum"
    assert page["zh"]["message"] == page["en"]["message"]


# --- users' locales -----------------------------------------------------------------------

INVITE = mutation("userInvite", union("InvitationPayload { invitation { id email locale } }"))


async def _count(sessionmaker: Maker, model: Any) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_the_profile_sets_the_locale_and_keeps_the_name(
    client: GraphQLClient, factory: Factory
) -> None:
    company = await factory.company()
    user = await factory.user(company)
    token = factory.token(user)

    changed = await mutate(client, PROFILE_UPDATE, "profileUpdate", {"locale": "FR"}, token)
    me = await client("{ me { name locale } }", token=token)

    assert changed["user"]["locale"] == "FR"
    assert me.data["me"] == {"name": "Test User", "locale": "FR"}


@pytest.mark.parametrize("value", ["DE", "fr", "", "EN-US"])
async def test_an_unknown_locale_is_refused_and_nothing_changes(
    client: GraphQLClient, factory: Factory, sessionmaker: Maker, value: str
) -> None:
    company = await factory.company()
    admin = await factory.user(company, Role.ADMINISTRATOR, locale=Locale.ES)
    token = factory.token(admin)

    profile = await client(PROFILE_UPDATE, {"input": {"locale": value, "name": "Ana"}}, token=token)
    invite = await client(
        INVITE,
        {
            "input": {
                "companyId": cid(company),
                "email": "new@example.com",
                "role": "USER",
                "locale": value,
            }
        },
        token=token,
    )

    # Refused before anything runs, as any value the API's enums do not have
    for response in (profile, invite):
        assert "data" not in response.body
        [refusal] = response.errors
        assert refusal["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert "Locale" in refusal["message"]
    # and nothing changed: no invitation, no mail, the profile as it was
    assert await _count(sessionmaker, Invitation) == 0
    assert await _count(sessionmaker, OutboxMessage) == 0
    async with sessionmaker() as session:
        row = await session.get(User, admin.id)
        assert row is not None
        assert (row.name, row.locale) == ("Test User", Locale.ES)


async def test_an_invitation_without_a_locale_takes_the_platform_default(
    factory: Factory, sessionmaker: Maker
) -> None:
    company = await factory.company()
    admin = await factory.user(company, Role.ADMINISTRATOR)
    config = invitations.InvitationMail(
        app_base_url="https://app.example", ttl=timedelta(days=7), default_locale=Locale.FR
    )
    async with sessionmaker() as session, session.begin():
        invitation = await invitations.invite_user(
            session,
            actor=actor_of(admin, company),
            company_id=company.id,
            email="nouveau@example.com",
            role=Role.USER,
            config=config,
        )
    assert invitation.locale is Locale.FR
    async with sessionmaker() as session:
        message = await session.scalar(select(OutboxMessage))
    assert message is not None
    assert message.subject == f"Vous êtes invité à rejoindre {company.name}"


# --- the mails, through a real SMTP server -------------------------------------------------


async def _delivered(
    sessionmaker: Maker, smtp: SmtpServer, settings: Settings, count: int
) -> list[EmailMessage]:
    report = await deliver_all_due(
        sessionmaker, SmtpTransport.from_settings(smtp.configure(settings))
    )
    assert report.failed == 0
    return await smtp.wait_for(count)


def _html(message: EmailMessage) -> str:
    assert message.get_content_type() == "multipart/alternative"
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    content: str = part.get_content()
    return content


async def test_an_invitation_in_spanish_is_mailed_in_spanish_and_the_user_keeps_it(
    client: GraphQLClient,
    factory: Factory,
    sessionmaker: Maker,
    smtp_server: SmtpServer,
    settings: Settings,
) -> None:
    company = await factory.company(name="Hotel <Sol> & Mar")
    admin = await factory.user(company, Role.ADMINISTRATOR)
    invited = await mutate(
        client,
        INVITE,
        "userInvite",
        {
            "companyId": cid(company),
            "email": "marta@hotelsol.example",
            "role": "ADVANCED_USER",
            "name": "Marta",
            "locale": "ES",
        },
        factory.token(admin),
    )
    assert invited["invitation"]["locale"] == "ES"

    [message] = await _delivered(sessionmaker, smtp_server, settings, 1)

    assert message["Subject"] == "Le invitan a unirse a Hotel <Sol> & Mar"
    text = body(message)
    assert text.startswith("Hola, Marta:")
    assert "como usuario avanzado" in text
    html = _html(message)
    assert '<html lang="es">' in html
    assert "Hotel &lt;Sol&gt; &amp; Mar" in html
    assert "<Sol>" not in html
    # The user created from it writes in Spanish too
    token = next(line for line in text.splitlines() if "accept-invitation" in line)
    accepted = await client(
        "mutation($input: InvitationAcceptInput!) { invitationAccept(input: $input) {"
        " ... on AuthPayload { user { locale } } } }",
        {"input": {"token": token.split("token=")[1], "password": "lantern orchard velvet"}},
    )
    assert accepted.data["invitationAccept"]["user"]["locale"] == "ES"


APPLICATION = union("ApplicationPayload { application { id status } }")


async def test_a_decision_mail_in_french_says_what_changed_and_the_filed_mail_reaches_the_desk(
    client: GraphQLClient,
    factory: Factory,
    sessionmaker: Maker,
    smtp_server: SmtpServer,
    settings: Settings,
) -> None:
    platform = await factory.company(name="Platform")
    customer = await factory.company(platform, name="Hôtel Lumière", country_code="FR")
    desk = await factory.user(platform, Role.ADMINISTRATOR, email="desk@platform.es")
    await factory.user(platform, Role.SUPERADMIN, email="chief@platform.es", locale=Locale.ES)
    boss = await factory.user(
        customer, Role.SUPERADMIN, email="patron@lumiere.fr", locale=Locale.FR
    )
    account = await add_account(sessionmaker, customer)  # 100 datapoints, "Energy savings"

    filed = await mutate(
        client,
        mutation("accountExtensionRequest", APPLICATION),
        "accountExtensionRequest",
        {"accountId": gid("Account", account.id), "datapoints": 1100},
        factory.token(boss),
    )
    application_id = filed["application"]["id"]
    decided = await mutate(
        client,
        mutation("applicationApprove", APPLICATION),
        "applicationApprove",
        {"id": application_id},
        factory.token(desk),
    )
    assert decided["application"]["status"] == "APPROVED"

    messages = {m["To"]: m for m in await _delivered(sessionmaker, smtp_server, settings, 3)}

    # The desk learns of the filing, each in their language, with what is asked for
    assert messages["desk@platform.es"]["Subject"] == (
        "New application (extension): Energy savings, Hôtel Lumière"
    )
    assert "- Datapoints: 100 -> 1,200" in body(messages["desk@platform.es"])
    assert "- Puntos de datos: 100 -> 1.200" in body(messages["chief@platform.es"])
    # The applicant learns of the decision in French, with the terms before -> after
    decision = messages["patron@lumiere.fr"]
    assert decision["Subject"] == "Demande approuvée : Energy savings"
    text = body(decision)
    assert "Le compte Energy savings de la société Hôtel Lumière" not in text  # a reminder's
    assert "La demande pour le compte Energy savings de la société Hôtel Lumière" in text
    assert "- Points de données : 100 -> 1\u202f200" in text
    assert "<td>100</td><td>&rarr;</td><td>1\u202f200</td>" in _html(decision)
    # and no mail names a row
    for message in messages.values():
        assert str(account.id) not in message["Subject"]
        assert "#" not in body(message)


async def test_a_reset_mail_is_written_in_the_users_locale(
    client: GraphQLClient, factory: Factory, sessionmaker: Maker
) -> None:
    company = await factory.company()
    await factory.user(company, email="oubli@example.fr", locale=Locale.FR)

    await client(
        'mutation { passwordResetRequest(input: {email: "oubli@example.fr"}) { __typename } }',
        headers={"accept-language": "es"},  # the request's language is not the recipient's
    )

    async with sessionmaker() as session:
        message = await session.scalar(select(OutboxMessage))
    assert message is not None
    assert message.subject == "Réinitialisez votre mot de passe"
    assert message.body_html is not None
    assert '<html lang="fr">' in message.body_html


async def test_a_reminder_is_written_in_each_superadmins_locale(
    factory: Factory, sessionmaker: Maker
) -> None:
    company = await factory.company(name="Hotel Sol")
    await factory.user(company, Role.SUPERADMIN, email="ana@sol.es", locale=Locale.ES)
    await factory.user(company, Role.SUPERADMIN, email="paul@sol.fr", locale=Locale.FR)
    account = await add_account(sessionmaker, company)
    async with sessionmaker() as session, session.begin():
        row = await session.get(Account, account.id)
        assert row is not None
        row.expires_at = utcnow() + timedelta(days=3)

    async with sessionmaker() as session, session.begin():
        assert await send_due_reminders(session, now=utcnow()) == 1

    async with sessionmaker() as session:
        rows = await session.execute(select(OutboxMessage.to_address, OutboxMessage.subject))
        subjects = {row.to_address: row.subject for row in rows}
    assert subjects == {
        "ana@sol.es": "La cuenta Energy savings vence dentro de una semana",
        "paul@sol.fr": "Le compte Energy savings expire dans une semaine",
    }
