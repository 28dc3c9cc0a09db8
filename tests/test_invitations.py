"""Invitations and password resets (SPEC section 2), through HTTP and GraphQL.

Mails are read from the outbox table (plain text), never from SMTP: a link is followed by
parsing its token out of the mail body, as the invitee's browser would. Each mutation: its
success and what it wrote; every typed error with its `code` and `field`, and nothing written
then; NOT_FOUND out of scope, word for word like an unknown id; UNAUTHENTICATED and FORBIDDEN
as top-level errors. A few service tests pin what the API cannot show (one transaction).

The world most tests act in, with the customer's ADMINISTRATOR as the usual caller:

    Platform                    <- root_admin (SUPERADMIN)
    |-- Partner
    |   |-- Customer            <- admin (ADMINISTRATOR), advanced, viewer
    |   |   `-- Site North
    |   |       `-- Room
    |   `-- Neighbour Site      (sibling branch)
    `-- Other Partner
        `-- Other Site          (another partner's branch)
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from models.auth import RefreshToken
from models.base import utcnow
from models.company import Company
from models.db import begin_write
from models.mail import OutboxMessage
from models.user import Invitation, PasswordResetToken, Role, User
from services import invitation as invitation_service
from services import user as user_service
from tests.factories import PASSWORD, Factory
from tests.graphql import (
    REFRESH,
    GraphQLClient,
    Response,
    cid,
    error,
    gid,
    login,
    mutate,
    mutation,
    pk,
    union,
    without_message,
)
from tests.helpers import Maker, actor_of, get_row, snapshot_of
from tests.worlds import Tree, standard_tree

STRONG_PASSWORD = "violet hammock orbit 42"
OTHER_STRONG_PASSWORD = "tundra vermilion jackal"
INVITEE = "ana.kwyjibo@example.com"

INVITATION_PAYLOAD = """InvitationPayload { invitation {
  id email name role status createdAt sentAt expiresAt acceptedAt revokedAt
  company { id name }
} }"""

INVITE = mutation("userInvite", union(INVITATION_PAYLOAD))
RESEND = mutation("invitationResend", union(INVITATION_PAYLOAD))
REVOKE = mutation("invitationRevoke", union(INVITATION_PAYLOAD))
ACCEPT = mutation(
    "invitationAccept",
    union(
        "AuthPayload { accessToken refreshToken"
        " user { id email name role isActive company { id name } } }"
    ),
)
INVITATIONS = """
query Invitations($companyId: ID!, $status: InvitationStatus, $first: Int, $after: String) {
  invitations(companyId: $companyId, status: $status, first: $first, after: $after) {
    edges { cursor node { id email status } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
NODE = """
query Node($id: ID!) {
  node(id: $id) {
    __typename id
    ... on Invitation { email role status company { name } }
  }
}
"""
ME = "{ me { id email name role isActive company { id name } } }"
RESET_REQUEST = mutation("passwordResetRequest", union("OkPayload { ok }"))
RESET = mutation("passwordReset", union("OkPayload { ok }"))


@dataclass
class World(Tree):
    north: Company
    room: Company
    root_admin: User  # SUPERADMIN of the platform
    admin: User  # ADMINISTRATOR of the customer: the usual caller
    advanced: User  # ADVANCED_USER of the customer
    viewer: User  # USER of the customer


@pytest.fixture
async def world(factory: Factory) -> World:
    tree = await standard_tree(factory, neighbour="Neighbour Site", other="Other Site")
    north = await factory.company(tree.customer, name="Site North")
    room = await factory.company(north, name="Room")
    return World(
        **tree.companies(),
        north=north,
        room=room,
        root_admin=await factory.user(tree.platform, Role.SUPERADMIN),
        admin=await factory.user(tree.customer, Role.ADMINISTRATOR, email="admin@customer.example"),
        advanced=await factory.user(tree.customer, Role.ADVANCED_USER),
        viewer=await factory.user(tree.customer, Role.USER),
    )


# --- helpers -------------------------------------------------------------------------


async def invite(
    client: GraphQLClient,
    token: str,
    company: Company | str,
    email: str = INVITEE,
    role: str = "USER",
    **extra: Any,
) -> dict[str, Any]:
    company_id = company if isinstance(company, str) else cid(company)
    data = {"companyId": company_id, "email": email, "role": role, **extra}
    return await mutate(client, INVITE, "userInvite", data, token)


async def invited(
    client: GraphQLClient,
    token: str,
    company: Company,
    email: str = INVITEE,
    role: str = "USER",
    **extra: Any,
) -> dict[str, Any]:
    """A successful invitation: the Invitation as the API shows it."""
    result = await invite(client, token, company, email, role, **extra)
    assert result["__typename"] == "InvitationPayload", result
    invitation: dict[str, Any] = result["invitation"]
    return invitation


async def resend(client: GraphQLClient, token: str, invitation_id: str) -> dict[str, Any]:
    return await mutate(client, RESEND, "invitationResend", {"id": invitation_id}, token)


async def revoke(client: GraphQLClient, token: str, invitation_id: str) -> dict[str, Any]:
    return await mutate(client, REVOKE, "invitationRevoke", {"id": invitation_id}, token)


async def accept(
    client: GraphQLClient, link_token: str, password: str = STRONG_PASSWORD, **extra: Any
) -> dict[str, Any]:
    data = {"token": link_token, "password": password, **extra}
    return await mutate(client, ACCEPT, "invitationAccept", data, None)


async def mails(
    sessionmaker: async_sessionmaker[AsyncSession], *, to: str | None = None
) -> list[OutboxMessage]:
    """The outbox, oldest first (optionally to one address)."""
    async with sessionmaker() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if to is not None:
            query = query.where(OutboxMessage.to_address == to)
        return list(await session.scalars(query))


def token_in(body: str, base_url: str, path: str) -> str:
    """Follow the one link to `base_url + path` in a mail body: its `token` parameter."""
    links: list[str] = re.findall(re.escape(f"{base_url}{path}?") + r"\S+", body)
    assert len(links) == 1, body
    query = parse_qs(urlsplit(links[0]).query, strict_parsing=True)
    assert list(query) == ["token"], links[0]
    (token,) = query["token"]
    return token


async def invitation_link_token(
    client: GraphQLClient, sessionmaker: async_sessionmaker[AsyncSession], email: str = INVITEE
) -> str:
    """The token of the latest invitation mail to `email`."""
    sent = [m for m in await mails(sessionmaker, to=email) if m.kind == "invitation"]
    assert sent, f"no invitation mail to {email}"
    return token_in(sent[-1].body_text, client.settings.app_base_url, "/accept-invitation")


async def reset_link_token(
    client: GraphQLClient, sessionmaker: async_sessionmaker[AsyncSession], email: str
) -> str:
    sent = [m for m in await mails(sessionmaker, to=email) if m.kind == "password_reset"]
    assert sent, f"no reset mail to {email}"
    return token_in(sent[-1].body_text, client.settings.app_base_url, "/reset-password")


async def invitation_row(sessionmaker: Maker, invitation_id: int) -> Invitation:
    return await get_row(sessionmaker, Invitation, invitation_id)


async def status_in_db(sessionmaker: async_sessionmaker[AsyncSession], invitation_id: int) -> str:
    row = await invitation_row(sessionmaker, invitation_id)
    return invitation_service.status_of(row, utcnow()).value


async def user_by_email(sessionmaker: async_sessionmaker[AsyncSession], email: str) -> User | None:
    async with sessionmaker() as session:
        user: User | None = await session.scalar(select(User).where(User.email == email))
        return user


async def expire_invitation(
    sessionmaker: async_sessionmaker[AsyncSession], invitation_id: int
) -> None:
    async with sessionmaker() as session:
        await session.execute(
            update(Invitation)
            .where(Invitation.id == invitation_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()


# Every row, every column, of what these operations may write: equal snapshots mean
# nothing was written.
snapshot = snapshot_of(User, Invitation, OutboxMessage, PasswordResetToken, RefreshToken)


def assert_invalid_token(result: dict[str, Any]) -> None:
    assert without_message(result) == error("INVALID_TOKEN", "token", "InvalidTokenError")


async def blocked_or_done(engine: AsyncEngine, task: asyncio.Task[Any]) -> None:
    """Wait until `task` has finished or waits for a lock held by another transaction.

    PostgreSQL shows lock waits in pg_stat_activity. SQLite does not: there the request
    queues for the write lock at its BEGIN IMMEDIATE, and a short pause lets it get there.
    """
    if engine.dialect.name != "postgresql":
        await asyncio.sleep(0.3)
        return
    for _ in range(200):
        if task.done():
            return
        async with engine.connect() as conn:
            waiting = await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        if waiting:
            return
        await asyncio.sleep(0.02)


# --- userInvite ----------------------------------------------------------------------


async def test_invite_creates_a_pending_invitation_and_mails_a_link(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given the customer's administrator
    # when it invites an address, written carelessly, into its own company
    invitation = await invited(
        client,
        factory.token(world.admin),
        world.customer,
        email="  Ana.Kwyjibo@EXAMPLE.com ",
        role="ADVANCED_USER",
        name=" Ana ",
    )
    # then the invitation is pending, for the normalised address, with the role and company
    assert invitation["email"] == INVITEE
    assert invitation["name"] == "Ana"
    assert invitation["role"] == "ADVANCED_USER"
    assert invitation["status"] == "PENDING"
    assert invitation["company"] == {"id": cid(world.customer), "name": "Customer"}
    assert invitation["acceptedAt"] is None
    assert invitation["revokedAt"] is None
    row = await invitation_row(sessionmaker, pk(invitation["id"]))
    assert (row.company_id, row.email, row.role) == (world.customer.id, INVITEE, Role.ADVANCED_USER)
    assert row.invited_by_id == world.admin.id
    assert row.expires_at - row.created_at == client.settings.invitation_ttl
    # and exactly one invitation mail to that address is in the outbox, with the link
    outbox = await mails(sessionmaker)
    assert [(m.kind, m.to_address, m.sent_at) for m in outbox] == [("invitation", INVITEE, None)]
    assert "Customer" in outbox[0].subject
    body = outbox[0].body_text
    assert f"{client.settings.app_base_url}/accept-invitation?token=" in body
    assert token_in(body, client.settings.app_base_url, "/accept-invitation")
    # and nobody became a user yet
    assert await user_by_email(sessionmaker, INVITEE) is None


async def test_the_token_is_random_and_only_its_hash_is_stored(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given two invitations
    token = factory.token(world.admin)
    await invited(client, token, world.customer, "first@example.com")
    await invited(client, token, world.customer, "second@example.com")
    tokens = [
        await invitation_link_token(client, sessionmaker, "first@example.com"),
        await invitation_link_token(client, sessionmaker, "second@example.com"),
    ]
    # then each link token is at least 128 bits of url-safe randomness, and they differ
    for link_token in tokens:
        assert len(link_token) >= 22
        assert re.fullmatch(r"[A-Za-z0-9_-]+", link_token), link_token
    assert tokens[0] != tokens[1]
    # and the table holds only their SHA-256: the token itself is nowhere in it
    async with sessionmaker() as session:
        rows = [tuple(row) for row in await session.execute(select(Invitation.__table__))]
        hashes = set(await session.scalars(select(Invitation.token_hash)))
    assert hashes == {hashlib.sha256(t.encode()).hexdigest() for t in tokens}
    stored = repr(rows)
    for link_token in tokens:
        assert link_token not in stored


async def test_the_invitation_and_its_mail_are_written_in_the_callers_transaction(
    world: World, session: AsyncSession, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    # given the service called inside a transaction
    config = invitation_service.InvitationMail(
        app_base_url="https://fleet.example", ttl=timedelta(days=7)
    )
    invitation = await invitation_service.invite_user(
        session,
        actor=actor_of(world.admin, world.customer),
        company_id=world.customer.id,
        email=INVITEE,
        role=Role.USER,
        config=config,
    )
    # then the mail is in that same transaction, next to the invitation
    outbox = list(await session.scalars(select(OutboxMessage)))
    assert [(m.kind, m.to_address) for m in outbox] == [("invitation", INVITEE)]
    assert "https://fleet.example/accept-invitation?token=" in outbox[0].body_text
    assert invitation.id is not None
    # and when the caller rolls back, neither the invitation nor its mail remains
    await session.rollback()
    assert await mails(sessionmaker) == []
    async with sessionmaker() as other:
        assert list(await other.scalars(select(Invitation))) == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param({"email": "not-an-email"}, error("INVALID_EMAIL", "email"), id="no-at"),
        pytest.param({"email": "ana@"}, error("INVALID_EMAIL", "email"), id="no-domain"),
        pytest.param({"email": "a b@example.com"}, error("INVALID_EMAIL", "email"), id="space"),
        pytest.param(
            {"email": "ana@example.com\nBcc: x@y.z"}, error("INVALID_EMAIL", "email"), id="crlf"
        ),
        pytest.param(
            {"email": "a" * 64 + "@" + ("b" * 60 + ".") * 3 + "c" * 10 + ".com"},
            error("TOO_LONG", "email"),
            id="over-long",
        ),
        pytest.param({"email": ""}, error("REQUIRED", "email"), id="empty"),
        pytest.param({"email": "   "}, error("REQUIRED", "email"), id="blank"),
        pytest.param({"role": "SUPERADMIN"}, error("ROLE_TOO_HIGH", "role"), id="role-too-high"),
        pytest.param({"companyId": "%%%"}, error("INVALID_ID", "companyId"), id="bad-id"),
        pytest.param({"companyId": ""}, error("INVALID_ID", "companyId"), id="empty-id"),
        pytest.param({"name": "x" * 201}, error("TOO_LONG", "name"), id="long-name"),
    ],
)
async def test_invite_rejects_invalid_input(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    overrides: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    before = await snapshot(sessionmaker)
    data = {"companyId": cid(world.customer), "email": INVITEE, "role": "USER", **overrides}
    result = await mutate(client, INVITE, "userInvite", data, factory.token(world.admin))
    assert without_message(result) == expected
    assert await snapshot(sessionmaker) == before


async def test_the_longest_valid_address_is_accepted(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given an address of exactly 254 characters, the most an address may have
    address = "a" * 64 + "@" + ("b" * 60 + ".") * 3 + "c" * 2 + ".com"
    assert len(address) == 254
    invitation = await invited(client, factory.token(world.admin), world.customer, address)
    assert invitation["email"] == address
    assert [m.to_address for m in await mails(sessionmaker)] == [address]


@pytest.mark.parametrize("written", [INVITEE, INVITEE.upper(), " Ana.Kwyjibo@Example.COM"])
async def test_invite_an_address_that_belongs_to_a_user(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    written: str,
) -> None:
    # given a user with the address, in another branch of the tree
    await factory.user(world.other, email=INVITEE)
    before = await snapshot(sessionmaker)
    # when the address is invited, in any capitalisation
    result = await invite(client, factory.token(world.admin), world.customer, written)
    # then it is taken, and nothing is written
    assert without_message(result) == error("EMAIL_TAKEN", "email", "ConflictError")
    assert await snapshot(sessionmaker) == before


async def test_invite_an_address_with_a_pending_invitation(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given a pending invitation of the address into a site
    token = factory.token(world.admin)
    first = await invited(client, token, world.north)
    before = await snapshot(sessionmaker)
    # when the address is invited again, written differently, into another company
    result = await invite(client, token, world.customer, INVITEE.upper(), "ADMINISTRATOR")
    # then the pending invitation blocks it, and nothing is written
    assert without_message(result) == error("INVITATION_PENDING", "email", "ConflictError")
    assert await snapshot(sessionmaker) == before
    assert await status_in_db(sessionmaker, pk(first["id"])) == "PENDING"


async def test_invite_into_an_archived_company_is_refused(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    archived = await factory.company(world.customer, name="Closed", archived=True)
    before = await snapshot(sessionmaker)
    result = await invite(client, factory.token(world.admin), archived)
    assert without_message(result) == error("COMPANY_ARCHIVED", "companyId")
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("caller", ["admin", "viewer"])
async def test_invite_out_of_scope_is_answered_exactly_like_an_unknown_company(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    caller: str,
) -> None:
    # given a user of the customer, and companies that do not exist or lie outside its scope
    archived_elsewhere = await factory.company(world.other, name="Closed", archived=True)
    token = factory.token(getattr(world, caller))
    before = await snapshot(sessionmaker)
    unknown = await invite(client, token, gid("Company", 999_999))
    # when it invites into each of them (with a role it could never grant, even)
    answers = {
        name: await invite(client, token, target, role="SUPERADMIN")
        for name, target in [
            ("parent", world.partner),
            ("root", world.platform),
            ("sibling", world.neighbour),
            ("other branch", world.other),
            ("archived elsewhere", archived_elsewhere),
        ]
    }
    answers["id of a user"] = await invite(client, token, gid("User", world.admin.id))
    # then each answer is the unknown company's, word for word, and nothing is written
    assert without_message(unknown) == error("NOT_FOUND", "companyId", "NotFoundError")
    assert answers == dict.fromkeys(answers, unknown)
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("token", [None, "not.a.jwt"], ids=["no-token", "bad-token"])
async def test_invite_unauthenticated(
    client: GraphQLClient,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    token: str | None,
) -> None:
    before = await snapshot(sessionmaker)
    data = {"companyId": cid(world.customer), "email": INVITEE, "role": "USER"}
    response = await client(INVITE, {"input": data}, token=token)
    assert response.error_codes == ["UNAUTHENTICATED"]
    assert response.body["data"] is None
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("caller", ["viewer", "advanced"])
@pytest.mark.parametrize("target", ["customer", "room"])
async def test_invite_needs_an_administrator(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    caller: str,
    target: str,
) -> None:
    # given a USER or ADVANCED_USER of the customer, and its own company or one below it
    before = await snapshot(sessionmaker)
    data = {"companyId": cid(getattr(world, target)), "email": INVITEE, "role": "USER"}
    # when it invites, then it is forbidden, as a top-level error, and nothing is written
    response = await client(INVITE, {"input": data}, token=factory.token(getattr(world, caller)))
    assert response.error_codes == ["FORBIDDEN"]
    assert response.body["data"] is None
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("role", ["USER", "ADVANCED_USER", "ADMINISTRATOR"])
@pytest.mark.parametrize("target", ["customer", "north", "room"])
async def test_an_administrator_invites_into_its_company_and_below_up_to_its_role(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    role: str,
    target: str,
) -> None:
    company: Company = getattr(world, target)
    invitation = await invited(client, factory.token(world.admin), company, role=role)
    assert (invitation["role"], invitation["company"]["id"]) == (role, cid(company))
    row = await invitation_row(sessionmaker, pk(invitation["id"]))
    assert (row.role.value, row.company_id) == (role, company.id)


@pytest.mark.parametrize("target", ["customer", "room"])
async def test_an_administrator_cannot_invite_a_superadmin(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    target: str,
) -> None:
    before = await snapshot(sessionmaker)
    result = await invite(
        client, factory.token(world.admin), getattr(world, target), role="SUPERADMIN"
    )
    assert without_message(result) == error("ROLE_TOO_HIGH", "role")
    assert await snapshot(sessionmaker) == before


async def test_a_superadmin_invites_a_superadmin_anywhere_below(
    client: GraphQLClient, factory: Factory, world: World
) -> None:
    token = factory.token(world.root_admin)
    for company in (world.platform, world.room, world.other):
        invitation = await invited(
            client, token, company, f"boss{company.id}@example.com", "SUPERADMIN"
        )
        assert (invitation["role"], invitation["status"]) == ("SUPERADMIN", "PENDING")


async def test_an_expired_invitation_does_not_block_a_new_one(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given an invitation left to expire
    token = factory.token(world.admin)
    old = await invited(client, token, world.customer)
    old_link = await invitation_link_token(client, sessionmaker)
    await expire_invitation(sessionmaker, pk(old["id"]))
    assert await status_in_db(sessionmaker, pk(old["id"])) == "EXPIRED"
    # when the address is invited again
    new = await invited(client, token, world.north, role="ADVANCED_USER")
    # then the new one is pending and the old one is closed (revoked), its link dead
    assert new["id"] != old["id"]
    assert new["status"] == "PENDING"
    assert await status_in_db(sessionmaker, pk(old["id"])) == "REVOKED"
    assert len(await mails(sessionmaker, to=INVITEE)) == 2
    assert_invalid_token(await accept(client, old_link))
    # and the new link works, into the new company with the new role
    payload = await accept(client, await invitation_link_token(client, sessionmaker))
    assert payload["__typename"] == "AuthPayload", payload
    assert payload["user"]["role"] == "ADVANCED_USER"
    assert payload["user"]["company"]["id"] == cid(world.north)


async def test_an_invitation_racing_another_for_the_same_address(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
) -> None:
    # given an invitation of the address being written, its transaction not yet committed
    await begin_write(session)
    await invitation_service.invite_user(
        session,
        actor=actor_of(world.admin, world.customer),
        company_id=world.customer.id,
        email=INVITEE,
        role=Role.USER,
        config=invitation_service.InvitationMail(
            app_base_url="https://fleet.example", ttl=timedelta(days=7)
        ),
    )
    # when another request invites the same address meanwhile, and the first one commits
    data = {"companyId": cid(world.north), "email": INVITEE, "role": "USER"}
    racing = asyncio.create_task(client(INVITE, {"input": data}, token=factory.token(world.admin)))
    await blocked_or_done(engine, racing)
    await session.commit()
    response = await racing
    # then the second is told the address has a pending invitation (not a server error)
    assert response.errors == [], response.body
    result = response.data["userInvite"]
    assert without_message(result) == error("INVITATION_PENDING", "email", "ConflictError")
    # and one invitation, with one mail, exists
    async with sessionmaker() as other:
        assert len(list(await other.scalars(select(Invitation)))) == 1
    assert len(await mails(sessionmaker)) == 1


# --- invitationAccept ----------------------------------------------------------------


async def test_accept_follows_the_link_and_signs_the_new_user_in(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given an invitation into a site, and the link from its mail
    invitation = await invited(
        client, factory.token(world.admin), world.north, role="ADMINISTRATOR", name="Ana"
    )
    link_token = await invitation_link_token(client, sessionmaker)
    # when the invitee follows it with a good password and a name
    payload = await accept(client, link_token, STRONG_PASSWORD, name=" Ana Kwyjibo ")
    # then they are signed in as the new user
    assert payload["__typename"] == "AuthPayload", payload
    user = await user_by_email(sessionmaker, INVITEE)
    assert user is not None
    expected = {
        "id": gid("User", user.id),
        "email": INVITEE,
        "name": "Ana Kwyjibo",
        "role": "ADMINISTRATOR",
        "isActive": True,
        "company": {"id": cid(world.north), "name": "Site North"},
    }
    assert payload["user"] == expected
    # and the access token works for `me`
    me = await client(ME, token=payload["accessToken"])
    assert me.data["me"] == expected
    # and the password is the chosen one
    assert (await login(client, INVITEE, STRONG_PASSWORD))["__typename"] == "AuthPayload"
    # and the invitation is accepted, pointing at the user
    row = await invitation_row(sessionmaker, pk(invitation["id"]))
    assert row.accepted_at is not None
    assert row.user_id == user.id
    assert await status_in_db(sessionmaker, row.id) == "ACCEPTED"


async def test_accept_without_a_name_keeps_the_invitations_name(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await invited(client, factory.token(world.admin), world.customer, name="Ana K.")
    payload = await accept(client, await invitation_link_token(client, sessionmaker))
    assert payload["__typename"] == "AuthPayload", payload
    assert (payload["user"]["name"], payload["user"]["role"]) == ("Ana K.", "USER")


async def test_a_link_works_once(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await invited(client, factory.token(world.admin), world.customer)
    link_token = await invitation_link_token(client, sessionmaker)
    assert (await accept(client, link_token))["__typename"] == "AuthPayload"
    before = await snapshot(sessionmaker)
    # when the same link is used again, whatever the password
    again = await accept(client, link_token, OTHER_STRONG_PASSWORD)
    # then it is refused, and the user's password is still the first one
    assert_invalid_token(again)
    assert await snapshot(sessionmaker) == before
    assert (await login(client, INVITEE, STRONG_PASSWORD))["__typename"] == "AuthPayload"


@pytest.mark.parametrize("closed_by", ["expiry", "revocation"])
async def test_an_expired_or_revoked_invitation_cannot_be_accepted(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    closed_by: str,
) -> None:
    # given an invitation that expired or was revoked
    token = factory.token(world.admin)
    invitation = await invited(client, token, world.customer)
    link_token = await invitation_link_token(client, sessionmaker)
    if closed_by == "expiry":
        await expire_invitation(sessionmaker, pk(invitation["id"]))
    else:
        assert (await revoke(client, token, invitation["id"]))["__typename"] == "InvitationPayload"
    status = await status_in_db(sessionmaker, pk(invitation["id"]))
    before = await snapshot(sessionmaker)
    # when its link is followed, then it is refused, and nothing is written
    assert_invalid_token(await accept(client, link_token))
    assert await snapshot(sessionmaker) == before
    assert await user_by_email(sessionmaker, INVITEE) is None
    assert await status_in_db(sessionmaker, pk(invitation["id"])) == status


async def test_an_invitation_into_a_company_archived_since_cannot_be_accepted(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    site = await factory.company(world.customer, name="Closing")
    await invited(client, factory.token(world.admin), site)
    link_token = await invitation_link_token(client, sessionmaker)
    async with sessionmaker() as session:
        await session.execute(
            update(Company).where(Company.id == site.id).values(archived_at=utcnow())
        )
        await session.commit()
    before = await snapshot(sessionmaker)
    assert_invalid_token(await accept(client, link_token))
    assert await snapshot(sessionmaker) == before


COMPANY_NAME = "Zorblax Quuxworth"


@pytest.mark.parametrize(
    ("password", "code"),
    [
        pytest.param("Tr0ub4dor&3", "PASSWORD_TOO_SHORT", id="11-chars"),
        pytest.param("", "PASSWORD_TOO_SHORT", id="empty"),
        pytest.param("password1234", "PASSWORD_TOO_COMMON", id="password1234"),
        pytest.param("qwertyuiop12", "PASSWORD_TOO_COMMON", id="keyboard-walk"),
        pytest.param("aaaaaaaaaaaaaaaa", "PASSWORD_TOO_COMMON", id="repetition"),
        pytest.param(INVITEE, "PASSWORD_TOO_COMMON", id="the-email"),
        pytest.param(COMPANY_NAME, "PASSWORD_TOO_COMMON", id="the-company-name"),
        pytest.param("ZorblaxQuuxworth", "PASSWORD_TOO_COMMON", id="company-name-joined"),
        pytest.param("kwyjibo" * 2 + "!", "PASSWORD_TOO_COMMON", id="email-part-doubled"),
        pytest.param("x" * 257, "TOO_LONG", id="over-long"),
    ],
)
async def test_accept_refuses_a_weak_password_and_keeps_the_invitation_open(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    password: str,
    code: str,
) -> None:
    # given an invitation into a company with a name no dictionary knows
    company = await factory.company(world.customer, name=COMPANY_NAME)
    invitation = await invited(client, factory.token(world.admin), company)
    link_token = await invitation_link_token(client, sessionmaker)
    before = await snapshot(sessionmaker)
    # when the invitee chooses a weak password
    result = await accept(client, link_token, password)
    # then it is refused with the reason, no user is created, the invitation stays pending
    assert without_message(result) == error(code, "password")
    assert await snapshot(sessionmaker) == before
    assert await user_by_email(sessionmaker, INVITEE) is None
    assert await status_in_db(sessionmaker, pk(invitation["id"])) == "PENDING"
    # and the same link still works with a good password
    assert (await accept(client, link_token))["__typename"] == "AuthPayload"


async def test_accept_refuses_an_invalid_name(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await invited(client, factory.token(world.admin), world.customer)
    link_token = await invitation_link_token(client, sessionmaker)
    before = await snapshot(sessionmaker)
    result = await accept(client, link_token, name="x" * 201)
    assert without_message(result) == error("TOO_LONG", "name")
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda t: "", id="empty"),
        pytest.param(lambda t: "garbage", id="garbage"),
        pytest.param(lambda t: "x" * 201, id="over-long"),
        pytest.param(lambda t: t * 20, id="over-long-repeated"),
        pytest.param(lambda t: t + "x", id="one-char-more"),
        pytest.param(lambda t: t[:-1], id="one-char-less"),
        pytest.param(lambda t: t.swapcase(), id="other-case"),
        pytest.param(lambda t: hashlib.sha256(t.encode()).hexdigest(), id="the-stored-hash"),
    ],
)
async def test_a_wrong_token_is_invalid(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    mangle: Any,
) -> None:
    invitation = await invited(client, factory.token(world.admin), world.customer)
    link_token = await invitation_link_token(client, sessionmaker)
    before = await snapshot(sessionmaker)
    assert_invalid_token(await accept(client, mangle(link_token)))
    assert await snapshot(sessionmaker) == before
    assert await status_in_db(sessionmaker, pk(invitation["id"])) == "PENDING"


async def test_accept_when_the_address_became_a_user_meanwhile(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given an invitation, and a user with that address created since by other means
    invitation = await invited(client, factory.token(world.admin), world.customer)
    link_token = await invitation_link_token(client, sessionmaker)
    await factory.user(world.other, email=INVITEE)
    before = await snapshot(sessionmaker)
    # when the link is followed, then it is a conflict and nothing changes
    result = await accept(client, link_token)
    assert without_message(result) == error("EMAIL_TAKEN", "token", "ConflictError")
    assert await snapshot(sessionmaker) == before
    assert await status_in_db(sessionmaker, pk(invitation["id"])) == "PENDING"


# --- invitationResend ----------------------------------------------------------------


async def test_resend_issues_a_new_link_and_kills_the_old_one(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given an invitation with its first link, a while ago
    token = factory.token(world.admin)
    invitation = await invited(client, token, world.customer, role="ADVANCED_USER")
    old_link = await invitation_link_token(client, sessionmaker)
    async with sessionmaker() as session:
        await session.execute(
            update(Invitation)
            .where(Invitation.id == pk(invitation["id"]))
            .values(sent_at=utcnow() - timedelta(days=2), expires_at=utcnow() + timedelta(days=5))
        )
        await session.commit()
    old_row = await invitation_row(sessionmaker, pk(invitation["id"]))
    # when it is resent
    result = await resend(client, token, invitation["id"])
    # then it is the same invitation, pending, with a new expiry
    assert result["__typename"] == "InvitationPayload", result
    resent = result["invitation"]
    assert (resent["id"], resent["status"], resent["email"]) == (
        invitation["id"],
        "PENDING",
        INVITEE,
    )
    new_row = await invitation_row(sessionmaker, pk(invitation["id"]))
    assert new_row.expires_at > old_row.expires_at
    assert new_row.sent_at > old_row.sent_at
    assert new_row.expires_at - new_row.sent_at == client.settings.invitation_ttl
    assert datetime.fromisoformat(resent["expiresAt"]) == new_row.expires_at
    assert new_row.token_hash != old_row.token_hash
    # and a second mail went out, with a different link
    outbox = await mails(sessionmaker, to=INVITEE)
    assert [m.kind for m in outbox] == ["invitation", "invitation"]
    new_link = await invitation_link_token(client, sessionmaker)
    assert new_link != old_link
    assert new_row.token_hash == hashlib.sha256(new_link.encode()).hexdigest()
    # and the old link is dead while the new one works
    assert_invalid_token(await accept(client, old_link))
    payload = await accept(client, new_link)
    assert payload["__typename"] == "AuthPayload", payload
    assert payload["user"]["role"] == "ADVANCED_USER"


async def test_resend_revives_an_expired_invitation(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    token = factory.token(world.admin)
    invitation = await invited(client, token, world.customer)
    await expire_invitation(sessionmaker, pk(invitation["id"]))
    result = await resend(client, token, invitation["id"])
    assert result["__typename"] == "InvitationPayload", result
    assert result["invitation"]["status"] == "PENDING"
    payload = await accept(client, await invitation_link_token(client, sessionmaker))
    assert payload["__typename"] == "AuthPayload", payload


@pytest.mark.parametrize("closed_by", ["acceptance", "revocation"])
@pytest.mark.parametrize("op", ["resend", "revoke"])
async def test_a_closed_invitation_cannot_be_resent_or_revoked(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    closed_by: str,
    op: str,
) -> None:
    # given an invitation that was accepted, or revoked
    token = factory.token(world.admin)
    invitation = await invited(client, token, world.customer)
    if closed_by == "acceptance":
        link_token = await invitation_link_token(client, sessionmaker)
        assert (await accept(client, link_token))["__typename"] == "AuthPayload"
    else:
        assert (await revoke(client, token, invitation["id"]))["__typename"] == "InvitationPayload"
    before = await snapshot(sessionmaker)
    # when it is resent or revoked (again), then it is closed and nothing is written
    action = resend if op == "resend" else revoke
    result = await action(client, token, invitation["id"])
    assert without_message(result) == error("INVITATION_CLOSED", "id")
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("op", ["resend", "revoke"])
async def test_resend_and_revoke_out_of_scope_are_answered_like_an_unknown_id(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    op: str,
) -> None:
    # given invitations above and beside the customer, made by the platform
    root = factory.token(world.root_admin)
    outside = {
        name: (await invited(client, root, company, f"{name}@example.com"))["id"]
        for name, company in [
            ("parent", world.partner),
            ("root", world.platform),
            ("sibling", world.neighbour),
            ("other", world.other),
        ]
    }
    action = resend if op == "resend" else revoke
    token = factory.token(world.admin)
    before = await snapshot(sessionmaker)
    unknown = await action(client, token, gid("Invitation", 999_999))
    # when the customer's administrator acts on them
    answers = {name: await action(client, token, iid) for name, iid in outside.items()}
    answers["id of a company"] = await action(client, token, cid(world.customer))
    # then each answer is the unknown id's, word for word, and nothing is written
    assert without_message(unknown) == error("NOT_FOUND", "id", "NotFoundError")
    assert answers == dict.fromkeys(answers, unknown)
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("op", ["resend", "revoke"])
@pytest.mark.parametrize("caller", ["viewer", "advanced"])
async def test_resend_and_revoke_need_an_administrator(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    op: str,
    caller: str,
) -> None:
    invitation = await invited(client, factory.token(world.admin), world.customer)
    before = await snapshot(sessionmaker)
    document = RESEND if op == "resend" else REVOKE
    response = await client(
        document, {"input": {"id": invitation["id"]}}, token=factory.token(getattr(world, caller))
    )
    assert response.error_codes == ["FORBIDDEN"]
    assert response.body["data"] is None
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("op", ["resend", "revoke"])
async def test_an_administrator_cannot_resend_or_revoke_a_superadmin_invitation(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    op: str,
) -> None:
    # given a SUPERADMIN invitation into the customer, made by the platform
    invitation = await invited(
        client, factory.token(world.root_admin), world.customer, role="SUPERADMIN"
    )
    before = await snapshot(sessionmaker)
    # when the customer's administrator resends or revokes it
    action = resend if op == "resend" else revoke
    result = await action(client, factory.token(world.admin), invitation["id"])
    # then the role is above its own, and nothing is written
    assert result["__typename"] == "ValidationError", result
    assert result["code"] == "ROLE_TOO_HIGH"
    assert await snapshot(sessionmaker) == before
    assert await status_in_db(sessionmaker, pk(invitation["id"])) == "PENDING"


@pytest.mark.parametrize("document", [RESEND, REVOKE], ids=["resend", "revoke"])
@pytest.mark.parametrize("token", [None, "not.a.jwt"], ids=["no-token", "bad-token"])
async def test_resend_and_revoke_unauthenticated(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    document: str,
    token: str | None,
) -> None:
    invitation = await invited(client, factory.token(world.admin), world.customer)
    before = await snapshot(sessionmaker)
    response = await client(document, {"input": {"id": invitation["id"]}}, token=token)
    assert response.error_codes == ["UNAUTHENTICATED"]
    assert response.body["data"] is None
    assert await snapshot(sessionmaker) == before


# --- invitationRevoke ----------------------------------------------------------------


async def test_revoke_closes_the_invitation_and_kills_its_link(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given a pending invitation into a site, by the customer's administrator
    token = factory.token(world.admin)
    invitation = await invited(client, token, world.room)
    link_token = await invitation_link_token(client, sessionmaker)
    # when it is revoked
    result = await revoke(client, token, invitation["id"])
    # then it says so, and so does the row
    assert result["__typename"] == "InvitationPayload", result
    assert result["invitation"]["status"] == "REVOKED"
    assert result["invitation"]["revokedAt"] is not None
    assert await status_in_db(sessionmaker, pk(invitation["id"])) == "REVOKED"
    # and no mail went out for it
    assert len(await mails(sessionmaker, to=INVITEE)) == 1
    # and its link no longer works
    assert_invalid_token(await accept(client, link_token))
    assert await user_by_email(sessionmaker, INVITEE) is None
    # and the address can be invited again
    assert (await invited(client, token, world.room))["status"] == "PENDING"


# --- invitations(companyId:, status:) and node(id:) ---------------------------------


async def make_one_of_each(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> dict[str, str]:
    """Invitations into the customer, oldest first: accepted, revoked, expired, two pending;
    and one pending into a site below (not the customer's own)."""
    token = factory.token(world.admin)
    made: dict[str, str] = {}
    for name in ("accepted", "revoked", "expired", "pending1", "pending2"):
        made[name] = (await invited(client, token, world.customer, f"{name}@example.com"))["id"]
    link_token = await invitation_link_token(client, sessionmaker, "accepted@example.com")
    assert (await accept(client, link_token))["__typename"] == "AuthPayload"
    assert (await revoke(client, token, made["revoked"]))["__typename"] == "InvitationPayload"
    await expire_invitation(sessionmaker, pk(made["expired"]))
    await invited(client, token, world.north, "below@example.com")
    return made


def ids_of(response: Response) -> list[str]:
    return [edge["node"]["id"] for edge in response.data["invitations"]["edges"]]


async def test_invitations_are_pending_by_default_newest_first(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    made = await make_one_of_each(client, factory, world, sessionmaker)
    response = await client(
        INVITATIONS, {"companyId": cid(world.customer)}, token=factory.token(world.admin)
    )
    # then only the pending ones of the company itself show, the newest first
    assert [edge["node"] for edge in response.data["invitations"]["edges"]] == [
        {"id": made[name], "email": f"{name}@example.com", "status": "PENDING"}
        for name in ("pending2", "pending1")
    ]
    assert response.data["invitations"]["pageInfo"]["hasNextPage"] is False


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("PENDING", ["pending2", "pending1"]),
        ("ACCEPTED", ["accepted"]),
        ("REVOKED", ["revoked"]),
        ("EXPIRED", ["expired"]),
        (None, ["pending2", "pending1", "expired", "revoked", "accepted"]),
    ],
)
async def test_invitations_by_status(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    status: str | None,
    expected: list[str],
) -> None:
    made = await make_one_of_each(client, factory, world, sessionmaker)
    response = await client(
        INVITATIONS,
        {"companyId": cid(world.customer), "status": status},
        token=factory.token(world.admin),
    )
    assert ids_of(response) == [made[name] for name in expected]
    statuses = {edge["node"]["status"] for edge in response.data["invitations"]["edges"]}
    assert statuses == ({status} if status else {"PENDING", "EXPIRED", "REVOKED", "ACCEPTED"})


async def test_invitation_pages_join_up(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given five pending invitations
    token = factory.token(world.admin)
    made = [
        (await invited(client, token, world.customer, f"p{i}@example.com"))["id"] for i in range(5)
    ]
    # when they are read two at a time
    seen: list[str] = []
    pages: list[bool] = []
    after: str | None = None
    while True:
        response = await client(
            INVITATIONS, {"companyId": cid(world.customer), "first": 2, "after": after}, token=token
        )
        page = response.data["invitations"]
        assert len(page["edges"]) <= 2
        seen.extend(edge["node"]["id"] for edge in page["edges"])
        pages.append(page["pageInfo"]["hasNextPage"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    # then every one shows once, newest first, in three pages
    assert seen == list(reversed(made))
    assert pages == [True, True, False]


async def test_invitations_of_a_company_out_of_scope_are_not_found(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given invitations into the partner and a sibling, made by the platform
    root = factory.token(world.root_admin)
    await invited(client, root, world.partner, "p@example.com")
    await invited(client, root, world.neighbour, "n@example.com")
    token = factory.token(world.admin)
    unknown = await client(INVITATIONS, {"companyId": gid("Company", 999_999)}, token=token)
    assert unknown.error_codes == ["NOT_FOUND"]
    assert unknown.body["data"] is None
    for outside in (world.partner, world.neighbour, world.platform, world.other):
        response = await client(INVITATIONS, {"companyId": cid(outside)}, token=token)
        assert response.body == unknown.body, outside.name


@pytest.mark.parametrize("caller", ["viewer", "advanced"])
async def test_invitations_are_forbidden_below_administrator(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    caller: str,
) -> None:
    await invited(client, factory.token(world.admin), world.customer)
    response = await client(
        INVITATIONS,
        {"companyId": cid(world.customer)},
        token=factory.token(getattr(world, caller)),
    )
    assert response.error_codes == ["FORBIDDEN"]
    assert response.body["data"] is None


async def test_invitations_need_a_token(client: GraphQLClient, world: World) -> None:
    response = await client(INVITATIONS, {"companyId": cid(world.customer)})
    assert response.error_codes == ["UNAUTHENTICATED"]


async def test_node_finds_an_invitation_in_scope(
    client: GraphQLClient, factory: Factory, world: World
) -> None:
    invitation = await invited(client, factory.token(world.admin), world.room, role="ADVANCED_USER")
    for caller in (world.admin, world.root_admin):
        response = await client(NODE, {"id": invitation["id"]}, token=factory.token(caller))
        assert response.data["node"] == {
            "__typename": "Invitation",
            "id": invitation["id"],
            "email": INVITEE,
            "role": "ADVANCED_USER",
            "status": "PENDING",
            "company": {"name": "Room"},
        }


async def test_node_of_an_invitation_out_of_scope_is_null(
    client: GraphQLClient, factory: Factory, world: World
) -> None:
    root = factory.token(world.root_admin)
    outside = [
        (await invited(client, root, company, f"x{company.id}@example.com"))["id"]
        for company in (world.partner, world.neighbour, world.other, world.platform)
    ]
    token = factory.token(world.admin)
    for node_id in [*outside, gid("Invitation", 999_999)]:
        response = await client(NODE, {"id": node_id}, token=token)
        assert response.body == {"data": {"node": None}}, node_id


# --- passwordResetRequest ------------------------------------------------------------


async def request_reset(client: GraphQLClient, email: str) -> bytes:
    """The raw HTTP answer to a reset request, byte for byte."""
    response = await client.http.post(
        "/graphql",
        json={"query": RESET_REQUEST, "variables": {"input": {"email": email}}},
        headers={"content-type": "application/json", "accept": "application/json"},
    )
    assert response.status_code == 200
    return response.content


async def test_reset_request_mails_a_link_to_an_active_user(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # when the administrator asks for a reset, in another capitalisation
    await request_reset(client, " ADMIN@Customer.example ")
    # then one reset mail, with a link, goes to its stored address
    outbox = await mails(sessionmaker)
    assert [(m.kind, m.to_address) for m in outbox] == [("password_reset", world.admin.email)]
    link_token = token_in(outbox[0].body_text, client.settings.app_base_url, "/reset-password")
    assert len(link_token) >= 22
    # and only the token's hash is kept
    async with sessionmaker() as session:
        rows = list(await session.scalars(select(PasswordResetToken)))
    assert [(r.user_id, r.token_hash, r.used_at) for r in rows] == [
        (world.admin.id, hashlib.sha256(link_token.encode()).hexdigest(), None)
    ]
    assert rows[0].expires_at - rows[0].created_at == client.settings.password_reset_ttl


async def test_reset_request_answers_the_same_whoever_asks(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given an inactive user
    inactive = await factory.user(world.customer, email="gone@example.com", active=False)
    before = await snapshot(sessionmaker)
    # when a reset is asked for an unknown address, an inactive user, and nonsense
    unknown = await request_reset(client, "nobody@example.com")
    answers = [
        await request_reset(client, inactive.email),
        await request_reset(client, "not an email"),
        await request_reset(client, "x" * 300 + "@example.com"),
    ]
    # then nothing is written
    assert await snapshot(sessionmaker) == before
    # and the answer is byte for byte the one an active user gets
    known = await request_reset(client, world.admin.email)
    assert len(await mails(sessionmaker)) == 1
    assert b'"ok":true' in known.replace(b" ", b"")
    assert answers == [unknown] * 3
    assert known == unknown


async def test_reset_request_mails_at_most_once_a_minute(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given a reset just asked for
    first = await request_reset(client, world.admin.email)
    before = await snapshot(sessionmaker)
    # when it is asked again at once, then the answer is the same but no mail is written
    assert await request_reset(client, world.admin.email) == first
    assert await snapshot(sessionmaker) == before
    # and once a minute has passed, another one is
    async with sessionmaker() as session:
        await session.execute(
            update(PasswordResetToken).values(created_at=utcnow() - timedelta(seconds=61))
        )
        await session.commit()
    await request_reset(client, world.admin.email)
    assert [m.kind for m in await mails(sessionmaker)] == ["password_reset", "password_reset"]


async def test_a_reset_request_racing_another_mails_once(
    client: GraphQLClient,
    world: World,
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
) -> None:
    # given a reset request being written, its transaction not yet committed
    await begin_write(session)
    await user_service.request_password_reset(
        session,
        email=world.admin.email,
        app_base_url=client.settings.app_base_url,
        ttl=timedelta(hours=1),
    )
    # when another one comes in meanwhile, and the first one commits
    racing = asyncio.create_task(request_reset(client, world.admin.email))
    await blocked_or_done(engine, racing)
    await session.commit()
    await racing
    # then one mail is written, not two
    assert [m.kind for m in await mails(sessionmaker)] == ["password_reset"]


# --- passwordReset -------------------------------------------------------------------


async def reset(client: GraphQLClient, link_token: str, new_password: str) -> dict[str, Any]:
    data = {"token": link_token, "newPassword": new_password}
    return await mutate(client, RESET, "passwordReset", data, None)


async def test_reset_sets_the_new_password_and_ends_every_session(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given the administrator signed in twice (two devices), and a reset link mailed to it
    sessions = [await login(client, world.admin.email, PASSWORD) for _ in range(2)]
    for signed_in in sessions:
        assert signed_in["__typename"] == "AuthPayload", signed_in
        assert (await client(ME, token=signed_in["accessToken"])).errors == []
    await request_reset(client, world.admin.email)
    link_token = await reset_link_token(client, sessionmaker, world.admin.email)
    # when it sets a new password with the link
    result = await reset(client, link_token, STRONG_PASSWORD)
    # then it is done, and every refresh token it held is revoked
    assert result == {"__typename": "OkPayload", "ok": True}
    async with sessionmaker() as session:
        held = await session.scalars(
            select(RefreshToken.revoked_at).where(RefreshToken.user_id == world.admin.id)
        )
        assert [revoked_at is not None for revoked_at in held] == [True, True]
    # and the access and refresh tokens issued before are refused at once
    for signed_in in sessions:
        me = await client(ME, token=signed_in["accessToken"])
        assert me.error_codes == ["UNAUTHENTICATED"]
        assert me.body["data"] is None
        refreshed = await mutate(
            client, REFRESH, "tokenRefresh", {"refreshToken": signed_in["refreshToken"]}, None
        )
        assert refreshed["__typename"] == "InvalidTokenError", refreshed
        assert refreshed["code"] == "INVALID_TOKEN"
    # and the new password signs in, the old one does not
    assert (await login(client, world.admin.email, STRONG_PASSWORD))["__typename"] == (
        "AuthPayload"
    )
    old = await login(client, world.admin.email, PASSWORD)
    assert old["__typename"] == "InvalidCredentialsError", old


async def test_a_reset_link_works_once(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await request_reset(client, world.admin.email)
    link_token = await reset_link_token(client, sessionmaker, world.admin.email)
    assert (await reset(client, link_token, STRONG_PASSWORD))["__typename"] == "OkPayload"
    before = await snapshot(sessionmaker)
    assert_invalid_token(await reset(client, link_token, OTHER_STRONG_PASSWORD))
    assert await snapshot(sessionmaker) == before
    assert (await login(client, world.admin.email, STRONG_PASSWORD))["__typename"] == (
        "AuthPayload"
    )


async def test_an_expired_reset_link_is_invalid(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await request_reset(client, world.admin.email)
    link_token = await reset_link_token(client, sessionmaker, world.admin.email)
    async with sessionmaker() as session:
        await session.execute(
            update(PasswordResetToken).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    before = await snapshot(sessionmaker)
    assert_invalid_token(await reset(client, link_token, STRONG_PASSWORD))
    assert await snapshot(sessionmaker) == before
    assert (await login(client, world.admin.email, PASSWORD))["__typename"] == "AuthPayload"


async def test_a_reset_link_of_a_user_deactivated_since_is_invalid(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await request_reset(client, world.viewer.email)
    link_token = await reset_link_token(client, sessionmaker, world.viewer.email)
    async with sessionmaker() as session:
        await session.execute(
            update(User).where(User.id == world.viewer.id).values(is_active=False)
        )
        await session.commit()
    before = await snapshot(sessionmaker)
    assert_invalid_token(await reset(client, link_token, STRONG_PASSWORD))
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize(
    "link_token",
    [
        pytest.param("", id="empty"),
        pytest.param("garbage", id="garbage"),
        pytest.param("x" * 201, id="over-long"),
    ],
)
async def test_a_wrong_reset_token_is_invalid(
    client: GraphQLClient,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    link_token: str,
) -> None:
    await request_reset(client, world.admin.email)
    before = await snapshot(sessionmaker)
    assert_invalid_token(await reset(client, link_token, STRONG_PASSWORD))
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize(
    ("password", "code"),
    [
        pytest.param("short pass", "PASSWORD_TOO_SHORT", id="short"),
        pytest.param("password1234", "PASSWORD_TOO_COMMON", id="password1234"),
        pytest.param("qwertyuiop12", "PASSWORD_TOO_COMMON", id="keyboard-walk"),
        pytest.param("admin@customer.example", "PASSWORD_TOO_COMMON", id="the-email"),
    ],
)
async def test_a_weak_new_password_is_refused_and_the_old_one_kept(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    password: str,
    code: str,
) -> None:
    # given a reset link and a session of the administrator
    signed_in = await login(client, world.admin.email, PASSWORD)
    await request_reset(client, world.admin.email)
    link_token = await reset_link_token(client, sessionmaker, world.admin.email)
    before = await snapshot(sessionmaker)
    # when it chooses a weak password
    result = await reset(client, link_token, password)
    # then it is told why, and nothing changes: old password, sessions and link all still good
    assert without_message(result) == error(code, "newPassword")
    assert await snapshot(sessionmaker) == before
    assert (await client(ME, token=signed_in["accessToken"])).errors == []
    assert (await reset(client, link_token, STRONG_PASSWORD))["__typename"] == "OkPayload"
