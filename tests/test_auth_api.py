"""Sign-in, tokens and the per-request identity check, through the GraphQL API (SPEC section 2)."""

from __future__ import annotations

import asyncio
import statistics
import time
import warnings
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.auth import RefreshToken
from models.company import Company
from models.user import LoginThrottle, Role, User
from server import token_config
from services import auth, tokens
from tests.conftest import StatementCounter
from tests.factories import PASSWORD, Factory, password_hash
from tests.graphql import (
    LOGIN,
    REFRESH,
    GraphQLClient,
    Response,
    gid,
    login,
    mutation,
    refresh,
    signed_in,
    union,
)

LOGOUT = mutation("logout", union("OkPayload { ok }"))
ME = "{ me { id email role } }"
RENAME = mutation("companyRename", union("CompanyPayload { company { name } }"))


# --- helpers -------------------------------------------------------------------------


async def me(client: GraphQLClient, token: str | None, **kwargs: Any) -> Response:
    return await client(ME, token=token, **kwargs)


def assert_unauthenticated(result: Response) -> None:
    assert result.error_codes == ["UNAUTHENTICATED"], result.body
    assert result.body.get("data") is None


def assert_invalid_token(payload: dict[str, Any]) -> None:
    assert payload["__typename"] == "InvalidTokenError", payload
    assert payload["code"] == "INVALID_TOKEN"


def claims_for(client: GraphQLClient, user: User, **overrides: Any) -> dict[str, Any]:
    """The claims an access token of `user` carries, as the server would sign them."""
    config = token_config(client.settings)
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": config.issuer,
        "aud": config.audience,
        "sub": str(user.id),
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
        "jti": tokens.new_jti(),
        "typ": "access",
        "ep": user.auth_epoch,
        "sid": tokens.new_jti(),
    }
    claims.update(overrides)
    return claims


def sign(client: GraphQLClient, claims: dict[str, Any], *, key: str | None = None) -> str:
    return jwt.encode(claims, key or token_config(client.settings).key, algorithm="HS256")


# --- login ---------------------------------------------------------------------------


async def test_login_returns_a_token_pair_and_the_user(
    client: GraphQLClient, factory: Factory
) -> None:
    # given an active user
    company = await factory.company()
    user = await factory.user(company, Role.ADMINISTRATOR)
    # when they sign in with the right password, in any capitalisation of their email
    payload = await login(client, f"  {user.email.upper()} ")
    # then they get an access and a refresh token, and themselves
    assert payload["__typename"] == "AuthPayload", payload
    assert payload["user"] == {
        "id": gid("User", user.id),
        "email": user.email,
        "role": "ADMINISTRATOR",
        "isActive": True,
    }
    assert payload["accessToken"]
    assert payload["refreshToken"]
    assert payload["accessToken"] != payload["refreshToken"]
    assert payload["accessTokenExpiresAt"] < payload["refreshTokenExpiresAt"]
    # and the access token is accepted
    result = await me(client, payload["accessToken"])
    assert result.data["me"]["id"] == gid("User", user.id)


async def test_wrong_password_and_unknown_email_look_the_same(
    client: GraphQLClient, factory: Factory
) -> None:
    # given an active user
    user = await factory.user(await factory.company())
    # when one signs in with a wrong password, another with an unknown email
    wrong_password = await login(client, user.email, "not the password")
    unknown_email = await login(client, "nobody@example.com", PASSWORD)
    # then both get the same error: same type, same code, same field, same message
    assert wrong_password["__typename"] == "InvalidCredentialsError"
    assert wrong_password["code"] == "INVALID_CREDENTIALS"
    assert unknown_email == wrong_password


async def test_wrong_password_and_unknown_email_take_about_the_same_time(
    client: GraphQLClient, factory: Factory, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    # given an active user, and both paths warmed up once
    user = await factory.user(await factory.company())
    await login(client, user.email, "not the password")
    await login(client, "nobody@example.com", "not the password")

    async def timed(email: str) -> float:
        # Throttling would answer early after a few failures: time the password check alone.
        async with sessionmaker() as session, session.begin():
            await session.execute(delete(LoginThrottle))
        start = time.perf_counter()
        payload = await login(client, email, "not the password")
        elapsed = time.perf_counter() - start
        assert payload["__typename"] == "InvalidCredentialsError"
        return elapsed

    # when both fail a few times, interleaved so that load affects them alike
    known: list[float] = []
    unknown: list[float] = []
    for _ in range(5):
        known.append(await timed(user.email))
        unknown.append(await timed("nobody@example.com"))
    # then neither answers markedly faster: the unknown email spends a password check too
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.5 < ratio < 2.0, (known, unknown)


async def test_inactive_user_cannot_log_in(client: GraphQLClient, factory: Factory) -> None:
    # given a deactivated user whose password is right
    user = await factory.user(await factory.company(), active=False)
    # when they sign in
    payload = await login(client, user.email)
    # then it is refused exactly like a wrong password
    assert payload["__typename"] == "InvalidCredentialsError"
    assert payload == await login(client, user.email, "not the password")


async def test_over_long_password_is_a_validation_error(
    client: GraphQLClient, factory: Factory
) -> None:
    # given a user
    user = await factory.user(await factory.company())
    # when someone sends a password of 100 000 characters
    payload = await login(client, user.email, "x" * 100_000)
    # then it is refused before any hashing, naming the field
    assert payload["__typename"] == "ValidationError", payload
    assert payload["field"] == "password"


# --- access and refresh tokens ---------------------------------------------------------


async def test_me_works_with_the_access_token(client: GraphQLClient, factory: Factory) -> None:
    # given a signed-in user
    user = await factory.user(await factory.company(), Role.ADVANCED_USER)
    pair = await signed_in(client, user)
    # when they ask who they are
    result = await me(client, pair["accessToken"])
    # then the answer is them
    assert result.data["me"] == {
        "id": gid("User", user.id),
        "email": user.email,
        "role": "ADVANCED_USER",
    }


async def test_no_token_is_unauthenticated(client: GraphQLClient) -> None:
    assert_unauthenticated(await me(client, None))


async def test_refresh_token_is_not_an_access_token(
    client: GraphQLClient, factory: Factory
) -> None:
    # given a signed-in user
    pair = await signed_in(client, await factory.user(await factory.company()))
    # when the refresh token is sent as the access token
    result = await me(client, pair["refreshToken"])
    # then the request is unauthenticated
    assert_unauthenticated(result)


async def test_access_token_is_not_a_refresh_token(client: GraphQLClient, factory: Factory) -> None:
    # given a signed-in user
    pair = await signed_in(client, await factory.user(await factory.company()))
    # when the access token is presented to tokenRefresh and to logout
    # then both refuse it as an invalid token
    assert_invalid_token(await refresh(client, pair["accessToken"]))
    result = await client(LOGOUT, {"input": {"refreshToken": pair["accessToken"]}})
    assert_invalid_token(result.data["logout"])
    # and the real refresh token still works: nothing was revoked by the attempt
    assert (await refresh(client, pair["refreshToken"]))["__typename"] == "AuthPayload"


async def test_token_refresh_rotates(client: GraphQLClient, factory: Factory) -> None:
    # given a signed-in user
    user = await factory.user(await factory.company())
    first = await signed_in(client, user)
    # when they exchange the refresh token
    second = await refresh(client, first["refreshToken"])
    # then they get a new pair for the same user, and the new pair works
    assert second["__typename"] == "AuthPayload", second
    assert second["user"]["id"] == gid("User", user.id)
    assert second["refreshToken"] != first["refreshToken"]
    assert (await me(client, second["accessToken"])).data["me"]["id"] == gid("User", user.id)
    third = await refresh(client, second["refreshToken"])
    assert third["__typename"] == "AuthPayload", third


async def test_a_refresh_token_is_spent_once_used(client: GraphQLClient, factory: Factory) -> None:
    # given a refresh token that has been exchanged
    first = await signed_in(client, await factory.user(await factory.company()))
    assert (await refresh(client, first["refreshToken"]))["__typename"] == "AuthPayload"
    # when it is presented again
    again = await refresh(client, first["refreshToken"])
    # then it is refused
    assert_invalid_token(again)


async def test_reusing_a_spent_refresh_token_revokes_the_whole_family(
    client: GraphQLClient, factory: Factory
) -> None:
    # given a session rotated twice, and another session of the same user
    user = await factory.user(await factory.company())
    first = await signed_in(client, user)
    second = await refresh(client, first["refreshToken"])
    third = await refresh(client, second["refreshToken"])
    assert third["__typename"] == "AuthPayload", third
    other_session = await signed_in(client, user)
    # when the first, long spent, refresh token is replayed (it was copied)
    assert_invalid_token(await refresh(client, first["refreshToken"]))
    # then the newest refresh token of that family stops working too
    assert_invalid_token(await refresh(client, third["refreshToken"]))
    # and the user's other session is untouched
    assert (await refresh(client, other_session["refreshToken"]))["__typename"] == "AuthPayload"


async def test_one_refresh_token_exchanged_concurrently_yields_one_pair(
    client: GraphQLClient, factory: Factory
) -> None:
    # given a signed-in user
    pair = await signed_in(client, await factory.user(await factory.company()))
    # when several requests exchange the same refresh token at the same time
    answers = await asyncio.gather(*(refresh(client, pair["refreshToken"]) for _ in range(4)))
    # then only one of them gets a new pair; the others are reuses
    kinds = sorted(answer["__typename"] for answer in answers)
    assert kinds == ["AuthPayload"] + ["InvalidTokenError"] * 3, answers


async def test_logout_revokes_the_refresh_token(client: GraphQLClient, factory: Factory) -> None:
    # given a signed-in user
    pair = await signed_in(client, await factory.user(await factory.company()))
    # when they log out
    result = await client(LOGOUT, {"input": {"refreshToken": pair["refreshToken"]}})
    assert result.data["logout"] == {"__typename": "OkPayload", "ok": True}
    # then the refresh token no longer works
    assert_invalid_token(await refresh(client, pair["refreshToken"]))
    # and logging out twice is harmless
    again = await client(LOGOUT, {"input": {"refreshToken": pair["refreshToken"]}})
    assert again.data["logout"] == {"__typename": "OkPayload", "ok": True}


async def test_logout_revokes_the_rotated_refresh_token_too(
    client: GraphQLClient, factory: Factory
) -> None:
    # given a session that has been rotated once
    first = await signed_in(client, await factory.user(await factory.company()))
    second = await refresh(client, first["refreshToken"])
    # when the user logs out with the current refresh token
    result = await client(LOGOUT, {"input": {"refreshToken": second["refreshToken"]}})
    assert result.data["logout"]["__typename"] == "OkPayload"
    # then it is dead
    assert_invalid_token(await refresh(client, second["refreshToken"]))


async def test_logout_ends_the_sessions_access_tokens_on_the_next_request(
    client: GraphQLClient, factory: Factory
) -> None:
    # given a user signed in twice (two devices), each access token working
    user = await factory.user(await factory.company())
    phone, laptop = await signed_in(client, user), await signed_in(client, user)
    assert (await me(client, phone["accessToken"])).data["me"]["id"] == gid("User", user.id)
    # when the phone's session logs out
    result = await client(LOGOUT, {"input": {"refreshToken": phone["refreshToken"]}})
    assert result.data["logout"]["__typename"] == "OkPayload"
    # then its access token fails on the very next request, long before it expires
    assert_unauthenticated(await me(client, phone["accessToken"]))
    # and the laptop's session goes on
    assert (await me(client, laptop["accessToken"])).data["me"]["id"] == gid("User", user.id)


async def test_logout_ends_access_tokens_issued_before_a_rotation_too(
    client: GraphQLClient, factory: Factory
) -> None:
    # given a session rotated once: two access tokens of one session, both unexpired
    first = await signed_in(client, await factory.user(await factory.company()))
    second = await refresh(client, first["refreshToken"])
    # when the session logs out with its current refresh token
    await client(LOGOUT, {"input": {"refreshToken": second["refreshToken"]}})
    # then neither access token works
    assert_unauthenticated(await me(client, first["accessToken"]))
    assert_unauthenticated(await me(client, second["accessToken"]))


async def test_refresh_token_reuse_ends_the_sessions_access_tokens(
    client: GraphQLClient, factory: Factory
) -> None:
    # given a rotated session (a thief holds the new pair) and another session of the user
    user = await factory.user(await factory.company())
    first = await signed_in(client, user)
    stolen = await refresh(client, first["refreshToken"])
    other = await signed_in(client, user)
    assert (await me(client, stolen["accessToken"])).data["me"]["id"] == gid("User", user.id)
    # when the spent refresh token is replayed
    assert_invalid_token(await refresh(client, first["refreshToken"]))
    # then the session's access tokens die at once, the other session's do not
    assert_unauthenticated(await me(client, stolen["accessToken"]))
    assert_unauthenticated(await me(client, first["accessToken"]))
    assert (await me(client, other["accessToken"])).data["me"]["id"] == gid("User", user.id)


async def test_the_session_check_costs_no_second_query(
    client: GraphQLClient, factory: Factory, count_statements: StatementCounter
) -> None:
    # given a signed-in user
    pair = await signed_in(client, await factory.user(await factory.company()))
    count_statements.statements.clear()
    # when they ask who they are
    assert (await me(client, pair["accessToken"])).data["me"]
    # then the user, the company and the session were read in one statement
    reads = [s for s in count_statements.statements if "refresh_tokens" in s or "users" in s]
    assert len(reads) == 1, count_statements.statements
    assert "refresh_tokens" in reads[0]


# --- tokens the server did not issue, or no longer honours -----------------------------


async def test_expired_access_token_is_unauthenticated(
    client: GraphQLClient, factory: Factory
) -> None:
    # given an access token issued long enough ago to have expired
    user = await factory.user(await factory.company())
    config = token_config(client.settings)
    issued = datetime.now(UTC) - config.access_ttl - timedelta(minutes=1)
    token, _, expires_at = tokens.encode(
        config,
        kind=tokens.TokenType.ACCESS,
        user_id=user.id,
        auth_epoch=user.auth_epoch,
        now=issued,
        session_id=tokens.new_jti(),
    )
    assert expires_at < datetime.now(UTC)
    # when it is used
    # then the request is unauthenticated
    assert_unauthenticated(await me(client, token))


async def test_a_token_accepted_before_is_refused_once_it_expires(
    client: GraphQLClient, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an access token that worked (and so is remembered as verified)
    user = await factory.user(await factory.company())
    token = factory.token(user)
    assert (await me(client, token)).data["me"]["id"]
    expires_at = tokens.decode(
        token_config(client.settings), token, kind=tokens.TokenType.ACCESS
    ).expires_at
    # when its expiry passes
    monkeypatch.setattr(tokens, "_now", lambda: expires_at.timestamp())
    # then the same token is unauthenticated
    assert_unauthenticated(await me(client, token))
    # and a second before its expiry it still worked
    monkeypatch.setattr(tokens, "_now", lambda: expires_at.timestamp() - 1)
    assert (await me(client, token)).data["me"]["id"]


async def test_a_hand_built_token_is_accepted_when_everything_is_right(
    client: GraphQLClient, factory: Factory
) -> None:
    """The control for the forged tokens below: they fail for their one defect only."""
    user = await factory.user(await factory.company())
    result = await me(client, sign(client, claims_for(client, user)))
    assert result.data["me"]["id"] == gid("User", user.id)


@pytest.mark.parametrize(
    "defect",
    [
        "other key",
        "alg none",
        "alg HS512",
        "wrong issuer",
        "wrong audience",
        "no jti",
        "no typ",
        "no exp",
        "no sub",
        "no epoch",
        "no session",
        "session not a string",
        "unknown user",
        "sub not a number",
    ],
)
async def test_forged_or_incomplete_tokens_are_unauthenticated(
    client: GraphQLClient, factory: Factory, defect: str
) -> None:
    # given a token for a real user with one defect
    user = await factory.user(await factory.company())
    claims = claims_for(client, user)
    key = token_config(client.settings).key
    if defect == "other key":
        token = sign(client, claims, key="another-key-" + "y" * 40)
    elif defect == "alg none":
        token = jwt.encode(claims, None, algorithm="none")
    elif defect == "alg HS512":
        with warnings.catch_warnings():  # the key is short for SHA-512; beside the point here
            warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
            token = jwt.encode(claims, key, algorithm="HS512")
    else:
        if defect == "wrong issuer":
            claims["iss"] = "someone-else"
        elif defect == "wrong audience":
            claims["aud"] = "another-api"
        elif defect == "unknown user":
            claims["sub"] = str(user.id + 1000)
        elif defect == "sub not a number":
            claims["sub"] = "admin"
        elif defect == "session not a string":
            claims["sid"] = 7
        else:
            missing = {
                "no jti": "jti",
                "no typ": "typ",
                "no exp": "exp",
                "no sub": "sub",
                "no session": "sid",
            }
            claims.pop(missing.get(defect, "ep"))
        token = sign(client, claims)
    # when it is used
    result = await me(client, token)
    # then the request is unauthenticated
    assert_unauthenticated(result)


# --- changes take effect on the very next request --------------------------------------


async def test_role_change_applies_to_the_next_request(
    client: GraphQLClient, factory: Factory, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    # given a signed-in administrator who may rename their company
    company = await factory.company()
    user = await factory.user(company, Role.ADMINISTRATOR)
    token = (await signed_in(client, user))["accessToken"]
    rename = {"input": {"id": gid("Company", company.id), "name": "Renamed"}}
    assert (await client(RENAME, rename, token=token)).data["companyRename"]["__typename"] == (
        "CompanyPayload"
    )
    # when they are demoted to USER in the database
    async with sessionmaker() as session:
        await session.execute(update(User).where(User.id == user.id).values(role=Role.USER))
        await session.commit()
    # then the same, unexpired access token shows the new role
    assert (await me(client, token)).data["me"]["role"] == "USER"
    # and is authorized as the new role
    result = await client(RENAME, {"input": {**rename["input"], "name": "Again"}}, token=token)
    assert result.error_codes == ["FORBIDDEN"], result.body
    async with sessionmaker() as session:
        assert await session.scalar(select(Company.name).where(Company.id == company.id)) == (
            "Renamed"
        )


async def test_deactivation_applies_to_the_next_request(
    client: GraphQLClient, factory: Factory, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    # given a signed-in user
    user = await factory.user(await factory.company())
    token = (await signed_in(client, user))["accessToken"]
    assert (await me(client, token)).data["me"]["id"] == gid("User", user.id)
    # when they are deactivated in the database
    async with sessionmaker() as session:
        await session.execute(update(User).where(User.id == user.id).values(is_active=False))
        await session.commit()
    # then the same, unexpired access token no longer works
    assert_unauthenticated(await me(client, token))


async def test_password_change_applies_to_the_next_request(
    client: GraphQLClient, factory: Factory, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    # given a signed-in user
    user = await factory.user(await factory.company())
    pair = await signed_in(client, user)
    assert (await me(client, pair["accessToken"])).data["me"]["id"] == gid("User", user.id)
    # when their password changes (which revokes every session)
    async with sessionmaker() as session:
        row = await session.get(User, user.id)
        assert row is not None
        row.password_hash = password_hash()
        await auth.revoke_all_sessions(session, user=row)
        await session.commit()
    # then the unexpired access token no longer works, nor does the refresh token
    assert_unauthenticated(await me(client, pair["accessToken"]))
    assert_invalid_token(await refresh(client, pair["refreshToken"]))
    # and signing in again gives a working pair
    fresh = await signed_in(client, user)
    assert (await me(client, fresh["accessToken"])).data["me"]["id"] == gid("User", user.id)


# --- the Authorization header ----------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "Basic dXNlcjpwYXNzd29yZA==",
        "Bearer",
        "Bearer ",
        "Token abc.def.ghi",
        "Bearer abc def",
        "Bearer not-a-jwt",
        "Bearer a.b.c",
        "Bearer !@#$",
    ],
)
async def test_malformed_authorization_header(client: GraphQLClient, header: str) -> None:
    # given a request whose Authorization header is not a usable Bearer token
    headers = {"authorization": header}
    # when it asks for a field that needs a user
    # then it is unauthenticated
    assert_unauthenticated(await me(client, None, headers=headers))
    # but a field that needs no user still answers
    result = await client("{ __typename }", headers=headers)
    assert result.data == {"__typename": "Query"}


async def test_the_bearer_scheme_is_case_insensitive(
    client: GraphQLClient, factory: Factory
) -> None:
    """RFC 9110 section 11.1: the authentication scheme is a case-insensitive token."""
    # given a valid access token
    user = await factory.user(await factory.company())
    token = factory.token(user)
    # when it is sent with the scheme spelt in lower or upper case
    for scheme in ("bearer", "BEARER"):
        result = await me(client, None, headers={"authorization": f"{scheme} {token}"})
        # then it is accepted like `Bearer`
        assert result.data["me"]["id"] == gid("User", user.id), scheme


# --- secrets never leave the server ------------------------------------------------------

INTROSPECT = """
{
  __schema {
    types {
      name kind
      fields(includeDeprecated: true) { name }
      inputFields { name }
    }
  }
}
"""


async def test_no_field_can_return_a_password_or_a_hash(client: GraphQLClient) -> None:
    # given the schema as a client sees it
    types = (await client(INTROSPECT)).data["__schema"]["types"]
    by_name = {t["name"]: t for t in types}
    # then the User type has no field that could hold a secret
    user_fields = {f["name"] for f in by_name["User"]["fields"]}
    assert "email" in user_fields  # the introspection did reach the User type
    # and no output type anywhere has a password, hash or secret field
    suspicious = [
        f"{t['name']}.{f['name']}"
        for t in types
        # Mutation names (passwordChange...) are operations, not data a client reads back.
        if t["kind"] in ("OBJECT", "INTERFACE")
        and not t["name"].startswith("__")
        and t["name"] != "Mutation"
        for f in t["fields"] or []
        if any(word in f["name"].lower() for word in ("password", "hash", "secret", "epoch"))
    ]
    assert suspicious == []


async def test_responses_carry_no_stored_hash(
    client: GraphQLClient, factory: Factory, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    # given a user who signed in and rotated their refresh token
    user = await factory.user(await factory.company())
    first = await client(LOGIN, {"input": {"email": user.email, "password": PASSWORD}})
    refreshed = await client(
        REFRESH, {"input": {"refreshToken": first.data["login"]["refreshToken"]}}
    )
    # and every scalar field of User, as the schema lists them
    types = (await client(INTROSPECT)).data["__schema"]["types"]
    user_type = next(t for t in types if t["name"] == "User")
    scalars = " ".join(f["name"] for f in user_type["fields"] if f["name"] != "company")
    token = refreshed.data["tokenRefresh"]["accessToken"]
    everything = await client(f"{{ me {{ {scalars} }} }}", token=token)
    # when we look at what the server stores
    async with sessionmaker() as session:
        stored_password = await session.scalar(select(User.password_hash).where(User.id == user.id))
        token_hashes = list(
            await session.scalars(
                select(RefreshToken.token_hash).where(RefreshToken.user_id == user.id)
            )
        )
    assert stored_password
    assert len(token_hashes) == 2
    # then none of it appears in any answer
    for response in (first, refreshed, everything):
        text = str(response.body)
        assert stored_password not in text
        assert "$argon2" not in text
        for token_hash in token_hashes:
            assert token_hash not in text
