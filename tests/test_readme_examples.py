"""Every GraphQL example in README.md runs against the API, in the README's order, on the world
`make run` starts from (the bootstrap root company and its SUPERADMIN, signed in with `login`
as the explorer does), so an example that stops working fails here.

The README's conventions, which this test reads:
- An example is a fenced block tagged `graphql`; one that looks like GraphQL but is not tagged
  fails the test, so no example escapes it. A block may hold several operations, run in turn.
- A string `"<…>"` is a placeholder for what the reader pastes: `<your company id>` (from
  `{ me { company { id } } }`), `<id of NAME>` (the company NAME created above, as read in
  `companyTree`), `<the token from the invitation link>` (the link the development log printed,
  as the mail worker logs it) and `<a new password>`. Any other placeholder fails the test.
- A comment naming `code: X` says the example shows the typed error X: the answer must carry it.
  Every other example must answer without a top-level error and without a typed error.
- A comment saying `signed out` runs the block without a token (`invitationAccept`).
- A `subscription` is not served over HTTP: it is validated against the schema here (its
  delivery is tests/test_subscriptions.py's, over a real socket).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from graphql import OperationDefinitionNode, OperationType, parse, print_ast, validate

from config import Settings
from schema import build_schema
from services.bootstrap import bootstrap
from services.mail_delivery import LogTransport, deliver_all_due
from tests.graphql import GraphQLClient, login
from tests.helpers import Maker
from tests.test_invitations import token_in

README = Path(__file__).resolve().parent.parent / "README.md"
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "readme walnut harbour 42"
NEW_PASSWORD = "quiet heron lantern 7 meadow"

SCHEMA = build_schema()._schema
_FENCE = re.compile(r"^```(\S*)\n(.*?)^```$", re.M | re.S)
_PLACEHOLDER = re.compile(r'"<([^">]+)>"')
_EXPECTED = re.compile(r"#.*?\bcode: ([A-Z_]+)")
_SIGNED_OUT = re.compile(r"#.*\bsigned out\b")
_LOOKS_LIKE_GRAPHQL = re.compile(r"^\s*(\{|query\b|mutation\b|subscription\b|fragment\b)")


def examples(text: str) -> list[str]:
    """The README's `graphql` blocks, in order."""
    blocks = []
    for language, body in _FENCE.findall(text):
        if language == "graphql":
            blocks.append(body)
        else:
            assert not _LOOKS_LIKE_GRAPHQL.match(body), f"tag this block `graphql`:\n{body}"
    return blocks


def operations(block: str) -> Iterator[str]:
    """Each operation of a block as its own document (anonymous ones cannot share one)."""
    document = parse(block)
    for definition in document.definitions:
        assert isinstance(definition, OperationDefinitionNode), block
        yield print_ast(definition)


def codes_in(value: Any) -> list[str]:
    """Every `code` a typed error in the answer carries (one with a `message`: a license's
    `code` is no error)."""
    if isinstance(value, dict):
        found = [value["code"]] if "message" in value and isinstance(value.get("code"), str) else []
        return found + [code for item in value.values() for code in codes_in(item)]
    if isinstance(value, list):
        return [code for item in value for code in codes_in(item)]
    return []


class Reader:
    """Someone following the README in the explorer: signed in as the bootstrap SUPERADMIN,
    pasting what the placeholders ask for."""

    def __init__(
        self,
        client: GraphQLClient,
        sessionmaker: Maker,
        settings: Settings,
        caplog: pytest.LogCaptureFixture,
        token: str,
    ) -> None:
        self.client, self.sessionmaker, self.settings = client, sessionmaker, settings
        self.caplog, self.token = caplog, token

    async def value(self, placeholder: str) -> str:
        if placeholder == "your company id":
            me = await self.client("{ me { company { id } } }", token=self.token)
            return str(me.data["me"]["company"]["id"])
        if placeholder.startswith("id of "):
            name = placeholder.removeprefix("id of ")
            tree = await self.client(
                "{ companyTree { edges { node { id name } } } }", token=self.token
            )
            ids = [
                e["node"]["id"]
                for e in tree.data["companyTree"]["edges"]
                if e["node"]["name"] == name
            ]
            assert len(ids) == 1, f"no single company {name!r} for <{placeholder}>"
            return str(ids[0])
        if placeholder == "the token from the invitation link":
            return await self.invitation_token()
        if placeholder == "a new password":
            return NEW_PASSWORD
        raise AssertionError(
            f"the README uses a placeholder this test does not know: <{placeholder}>"
        )

    async def invitation_token(self) -> str:
        """What the development server's mail worker prints (SMTP_HOST unset): the mail,
        its link included, in the log."""
        self.caplog.clear()
        with self.caplog.at_level(logging.INFO, logger="fleet.mail"):
            report = await deliver_all_due(self.sessionmaker, LogTransport())
        assert report.sent >= 1, report
        logged = [
            r.getMessage() for r in self.caplog.records if "accept-invitation" in r.getMessage()
        ]
        assert logged, "the invitation mail was not logged"
        return token_in(logged[-1], self.settings.app_base_url, "/accept-invitation")

    async def run(self, document: str, *, signed_in: bool = True) -> dict[str, Any]:
        for placeholder in set(_PLACEHOLDER.findall(document)):
            value = await self.value(placeholder)
            document = document.replace(f'"<{placeholder}>"', f'"{value}"')
        parsed = parse(document)
        [operation] = parsed.definitions
        assert isinstance(operation, OperationDefinitionNode)
        if operation.operation is OperationType.SUBSCRIPTION:
            assert validate(SCHEMA, parsed) == [], document
            return {}
        response = await self.client(document, token=self.token if signed_in else None)
        assert not response.errors, (document, response.errors)
        data: dict[str, Any] = response.body["data"]
        return data


async def test_every_graphql_example_in_the_readme_runs(
    client: GraphQLClient,
    sessionmaker: Maker,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given the platform as `make run` leaves it, and its administrator signed in
    async with sessionmaker() as session, session.begin():
        await bootstrap(
            session,
            company_name="Platform",
            country_code="ES",
            admin_email=ADMIN_EMAIL,
            admin_password=ADMIN_PASSWORD,
        )
    signed = await login(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    reader = Reader(client, sessionmaker, settings, caplog, signed["accessToken"])
    blocks = examples(README.read_text())
    assert blocks, "the README has no GraphQL example"

    # When each example runs in turn, then it answers as the README says
    for block in blocks:
        expected = _EXPECTED.findall(block)
        found: list[str] = []
        signed_in = not _SIGNED_OUT.search(block)
        for document in operations(block):
            found += codes_in(await reader.run(document, signed_in=signed_in))
        if expected:
            assert set(expected) <= set(found), (block, found)
        else:
            assert found == [], (block, found)


def test_the_conventions_catch_what_they_should() -> None:
    text = "```\n{ me { id } }\n```\n"
    with pytest.raises(AssertionError, match="tag this block"):
        examples(text)
    block = 'mutation { a(input: {id: "<x>"}) { b } }\n\n{ me { id } }\n'
    assert [op.split()[0] for op in operations(block)] == ["mutation", "{"]
    answer = {"a": [{"code": "REQUIRED", "message": "…"}], "b": {"code": "PRO"}}
    assert codes_in(answer) == ["REQUIRED"]
