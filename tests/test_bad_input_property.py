"""No input makes the server fail: every query and mutation, random arguments.

The operations are read from the schema itself, so one added later is probed too. Each
argument, and each field of an input object, gets a value drawn for its type: global IDs
of every type with numbers from negative to far beyond any column (and of the rows that
exist), malformed IDs, text with NUL characters or over any length limit, integers at and
beyond 32 bits, date-times at the ends of the calendar, unknown enum values, nulls. Each
request is sent as the platform's SUPERADMIN (who may see and try everything) and
anonymously. The answer may be any typed error or refusal, never INTERNAL_SERVER_ERROR or
an HTTP 500.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from argon2 import PasswordHasher
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    get_named_type,
    is_composite_type,
)
from graphql.pyutils import Undefined
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from models.base import INTEGER_MAX
from models.user import Role, User
from schema import build_schema
from schema.ids import encode_id
from services import passwords
from tests.factories import PASSWORD, Factory
from tests.graphql import GraphQLClient
from tests.helpers import Maker

SCHEMA = build_schema()._schema
NODE_TYPES = [
    *("Company", "User", "Invitation", "Account", "Application", "License", "Device"),
    "LedgerEntry",
]
# Each example probes every operation (about 50): a few hundred probes per database in all.
EXAMPLES = 5


@dataclass(frozen=True)
class Operation:
    kind: str  # "query" or "mutation"
    name: str
    field: GraphQLField

    def document(self) -> str:
        """Every argument as a variable; the cheapest selection of the result."""
        args = self.field.args.items()
        definitions = ", ".join(f"${name}: {arg.type}" for name, arg in args)
        call = ", ".join(f"{name}: ${name}" for name, _ in args)
        head = f"{self.kind} Probe({definitions})" if args else f"{self.kind} Probe"
        field = f"{self.name}({call})" if args else self.name
        selection = " { __typename }" if is_composite_type(get_named_type(self.field.type)) else ""
        return f"{head} {{ {field}{selection} }}"


def operations() -> Iterator[Operation]:
    for kind, root in (("query", SCHEMA.query_type), ("mutation", SCHEMA.mutation_type)):
        assert root is not None
        for name, field in root.fields.items():
            yield Operation(kind, name, field)


# --- values for each type ------------------------------------------------------------------


def raw_id(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def ids(known: list[int]) -> st.SearchStrategy[str]:
    numbers = st.one_of(
        st.sampled_from(known),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.sampled_from([0, -1, INTEGER_MAX, INTEGER_MAX + 1, 2**63, 10**23]),
    )
    types = st.sampled_from(NODE_TYPES)
    return st.one_of(
        st.builds(encode_id, types, st.integers(min_value=1, max_value=INTEGER_MAX)),
        st.builds(lambda t, n: raw_id(f"{t}:{n}"), types, numbers),
        st.builds(raw_id, st.text(max_size=30)),  # base64 of anything
        st.text(max_size=30),  # not base64 at all
        st.builds(
            lambda t, n: raw_id(f"{t}:{n}"), types, st.sampled_from([" 1", "+1", "1.0", "\u0661"])
        ),
    )


STRINGS = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from("a\x00\t\n\u200b\u202e€"), max_size=20),  # NUL and kin
    st.sampled_from(["", " ", "ES", "zz", "user@example.com", "x" * 3000, "%_\\"]),
    st.builds(lambda s: "a" * s, st.integers(min_value=190, max_value=1100)),  # length limits
)
INTS = st.one_of(
    st.integers(min_value=-(2**31), max_value=2**31 - 1),
    st.integers(min_value=-3, max_value=30),
    st.sampled_from([2**31 - 1, -(2**31), 2**31, 2**53, -(2**63)]),  # beyond 32 bits: refused
)
DATETIMES = st.one_of(
    st.datetimes(timezones=st.timezones()).map(lambda moment: moment.isoformat()),
    st.datetimes().map(lambda moment: moment.isoformat()),  # no offset: read as UTC
    st.sampled_from(
        ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2024-02-30T00:00:00Z", "now"]
    ),
)


def values(type_: GraphQLInputType, known: list[int]) -> st.SearchStrategy[Any]:
    if isinstance(type_, GraphQLNonNull):
        return non_null(type_.of_type, known)
    # Null, or a value; sometimes the field or argument left out (see `objects`).
    return st.one_of(st.none(), non_null(type_, known))


def non_null(type_: GraphQLInputType, known: list[int]) -> st.SearchStrategy[Any]:
    if isinstance(type_, GraphQLList):
        return st.lists(values(type_.of_type, known), max_size=3)
    if isinstance(type_, GraphQLInputObjectType):
        return objects(type_.fields, known)
    if isinstance(type_, GraphQLEnumType):
        return st.one_of(st.sampled_from(list(type_.values)), st.just("NOT_A_VALUE"))
    assert isinstance(type_, GraphQLScalarType), type_
    scalars: dict[str, st.SearchStrategy[Any]] = {
        "ID": ids(known),
        "String": STRINGS,
        "Int": INTS,
        "Boolean": st.booleans(),
        "DateTime": DATETIMES,
    }
    assert type_.name in scalars, f"no values for scalar {type_.name}: add them here"
    return scalars[type_.name]


def objects(fields: dict[str, Any], known: list[int]) -> st.SearchStrategy[dict[str, Any]]:
    """Arguments or an input object's fields: the required always, the others at random."""
    required = {n: values(f.type, known) for n, f in fields.items() if _required(f)}
    optional = {n: values(f.type, known) for n, f in fields.items() if not _required(f)}
    return st.fixed_dictionaries(required, optional=optional)


def _required(field: Any) -> bool:
    return isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined


# --- the probe ----------------------------------------------------------------------------------


@dataclass
class Probe:
    client: GraphQLClient
    token: str
    known: list[int]

    async def send(self, document: str, variables: dict[str, Any], token: str | None) -> None:
        headers = {"content-type": "application/json", "accept": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        # Encoded here, ASCII only: httpx would refuse to encode an unpaired surrogate.
        body = json.dumps({"query": document, "variables": variables})
        response = await self.client.http.post("/graphql", content=body, headers=headers)
        assert response.status_code < 500, (response.status_code, response.text)
        answer = response.json()
        codes = [e.get("extensions", {}).get("code") for e in answer.get("errors") or []]
        assert "INTERNAL_SERVER_ERROR" not in codes, (document, variables, answer)
        assert all(codes), (document, variables, answer)  # every error says what it is


# Password checks are not what is probed here, and at argon2's real cost (about 0.1 s, and
# 1 s on a busy machine) the sign-in operations alone would take most of the test's time.
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
async def probe(
    client: GraphQLClient, factory: Factory, sessionmaker: Maker, monkeypatch: pytest.MonkeyPatch
) -> Probe:
    """A small tree with a user of each role, so that some drawn IDs name real rows."""
    monkeypatch.setattr(passwords, "hasher", lambda: CHEAP)
    monkeypatch.setattr(passwords, "_dummy_hash", lambda: CHEAP.hash("dummy"))
    platform = await factory.company(name="Platform")
    partner = await factory.company(platform, name="Partner")
    customer = await factory.company(partner, name="Customer")
    superadmin = await factory.user(platform, Role.SUPERADMIN)
    users = [await factory.user(customer, role) for role in Role]
    async with sessionmaker() as session:
        await session.execute(update(User).values(password_hash=CHEAP.hash(PASSWORD)))
        await session.commit()
    known = sorted({c.id for c in (platform, partner, customer)} | {u.id for u in users})
    return Probe(client, factory.token(superadmin), [*known, superadmin.id])


OPERATIONS = list(operations())


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_no_argument_value_makes_the_server_fail(probe: Probe, data: st.DataObject) -> None:
    # Each example probes every operation (one world for all: building it is most of the cost).
    for operation in OPERATIONS:
        arguments: dict[str, GraphQLArgument] = operation.field.args
        variables = data.draw(objects(arguments, probe.known), label=operation.name)
        for token in (probe.token, None):
            await probe.send(operation.document(), variables, token)


def test_every_operation_is_probed() -> None:
    names = {op.name for op in OPERATIONS}
    # A sample of both roots, so that an empty enumeration cannot pass unnoticed.
    assert {"companyTree", "node", "datapointTransferRequest", "creditMove", "login"} <= names
    query, mutation = SCHEMA.query_type, SCHEMA.mutation_type
    assert query is not None
    assert mutation is not None
    assert len(names) == len(query.fields) + len(mutation.fields)
