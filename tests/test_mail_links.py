"""The mails people act on, end to end: the API writes the mail, the delivery sends it through
a real SMTP server on loopback, and the test follows the link in the received message."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config import Settings
from models.user import Role
from services.mail_delivery import SmtpTransport, deliver_all_due
from tests.factories import Factory
from tests.graphql import GraphQLClient, gid
from tests.smtp import SmtpServer, links

NEW_PASSWORD = "lantern orchard velvet compass"


async def _deliver(
    sessionmaker: async_sessionmaker[AsyncSession], smtp: SmtpServer, settings: Settings
) -> None:
    report = await deliver_all_due(
        sessionmaker, SmtpTransport.from_settings(smtp.configure(settings))
    )
    assert report.failed == 0


def _portal_path(settings: Settings, page: str) -> str:
    """A page's path below APP_BASE_URL (by default the server's own /portal)."""
    return urlparse(settings.app_base_url).path + page


def _token(link: str, path: str) -> str:
    parsed = urlparse(link)
    assert parsed.path == path, link
    [token] = parse_qs(parsed.query)["token"]
    return token


async def test_an_invitation_link_received_by_mail_creates_the_user(
    client: GraphQLClient,
    factory: Factory,
    sessionmaker: async_sessionmaker[AsyncSession],
    smtp_server: SmtpServer,
    settings: Settings,
) -> None:
    # Given an administrator who invites a colleague
    company = await factory.company(name="Hotel Sol")
    admin = await factory.user(company, Role.ADMINISTRATOR)
    invited = await client(
        "mutation($input: UserInviteInput!) { userInvite(input: $input) { __typename } }",
        {
            "input": {
                "companyId": gid("Company", company.id),
                "email": "Colleague@Hotelsol.example",
                "role": "ADVANCED_USER",
                "name": "Marta",
            }
        },
        token=factory.token(admin),
    )
    assert invited.data["userInvite"]["__typename"] == "InvitationPayload"

    # When the mail is delivered and the colleague follows its link
    await _deliver(sessionmaker, smtp_server, settings)
    [message] = await smtp_server.wait_for(1)
    assert message["To"] == "colleague@hotelsol.example"
    [link] = [url for url in links(message) if "accept-invitation" in url]
    token = _token(link, _portal_path(settings, "/accept-invitation"))
    accepted = await client(
        "mutation($input: InvitationAcceptInput!) { invitationAccept(input: $input) {"
        " __typename ... on AuthPayload { accessToken } } }",
        {"input": {"token": token, "password": NEW_PASSWORD}},
    )

    # Then they are signed in as a new ADVANCED_USER of the company
    access = accepted.data["invitationAccept"]["accessToken"]
    me = await client("{ me { email name role company { name } } }", token=access)
    assert me.data["me"] == {
        "email": "colleague@hotelsol.example",
        "name": "Marta",
        "role": "ADVANCED_USER",
        "company": {"name": "Hotel Sol"},
    }


async def test_a_reset_link_received_by_mail_sets_the_new_password(
    client: GraphQLClient,
    factory: Factory,
    sessionmaker: async_sessionmaker[AsyncSession],
    smtp_server: SmtpServer,
    settings: Settings,
) -> None:
    # Given a user who forgot their password
    user = await factory.user(await factory.company(), email="forgetful@example.com")
    asked = await client(
        'mutation { passwordResetRequest(input: {email: "forgetful@example.com"}) { __typename } }'
    )
    assert asked.data["passwordResetRequest"]["__typename"] == "OkPayload"

    # When the mail is delivered and they follow its link
    await _deliver(sessionmaker, smtp_server, settings)
    [message] = await smtp_server.wait_for(1)
    [link] = [url for url in links(message) if "reset-password" in url]
    reset = await client(
        "mutation($input: PasswordResetInput!) { passwordReset(input: $input) { __typename } }",
        {
            "input": {
                "token": _token(link, _portal_path(settings, "/reset-password")),
                "newPassword": NEW_PASSWORD,
            }
        },
    )
    assert reset.data["passwordReset"]["__typename"] == "OkPayload"

    # Then the new password signs them in
    login = await client(
        'mutation($p: String!) { login(input: {email: "forgetful@example.com", password: $p})'
        " { __typename } }",
        {"p": NEW_PASSWORD},
    )
    assert login.data["login"]["__typename"] == "AuthPayload"
    assert user.email == "forgetful@example.com"
