"""schema/execution.Executor answers exactly what graphql-core's execution answers.

Every document below runs twice on one Strawberry schema: with Strawberry's own execution
context and with ours, which calls plain fields in place. Data and errors (message, path,
locations) must be equal, for values that coerce, values that do not, nulls in non-null
fields (the null climbing to the nearest nullable parent), failing resolvers, wrong object
types, awaitables returned by synchronous resolvers, lists, interfaces, fragments,
aliases, directives and `__typename`. The app's schema uses the executor (checked last),
so every API test runs through it too.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema_converter import GraphQLCoreConverter

from schema import build_schema, execution
from schema.execution import Executor, InPlaceInfo


class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"


@dataclass
class Row:
    """A model row as the resolvers see it: plain attributes."""

    id: int
    name: Any = "row"
    count: Any = 1
    flag: Any = True
    colour: Any = Colour.RED
    at: Any = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    child: Any = None
    strict_child: Any = None
    children: list[Any] = field(default_factory=list)
    maybe: Any = None
    bares: list[Any] = field(default_factory=lambda: [Bare(value=1), Bare(value=2)])


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Leaf(Named):
    id: strawberry.ID
    name: str
    count: int

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, Row)


@strawberry.type
class Bare:
    """No interfaces, no is_type_of: graphql-core checks nothing about its objects."""

    value: int


@strawberry.type
class Thing(Named):
    name: str
    count: int
    flag: bool
    colour: Colour
    at: datetime
    maybe: str | None
    child: Leaf | None
    strict_child: Leaf
    children: list[Leaf]
    bares: list[Bare]

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, Row)

    @strawberry.field
    def label(self) -> str:
        row: Any = self
        return f"{row.name}#{row.id}"

    @strawberry.field
    def nullable_label(self) -> str | None:
        row: Any = self
        return None if row.id % 2 else f"even {row.id}"

    @strawberry.field
    def depth(self, info: strawberry.Info) -> int:
        row: Any = self
        return int(row.id) - int(info.context["base"])

    @strawberry.field
    def path(self, info: strawberry.Info) -> str:
        return ".".join(str(key) for key in info.path.as_list())

    @strawberry.field
    def about(self, info: strawberry.Info) -> str:
        """Everything else an Info tells, besides the context."""
        selected = [getattr(selection, "name", "?") for selection in info.selected_fields]
        return (
            f"{info.field_name} {info.python_name} {selected} {sorted(info.variable_values)}"
            f" {info.path.typename} {info.operation.name and info.operation.name.value}"
        )

    @strawberry.field
    def info_broken(self, info: strawberry.Info) -> str | None:
        if info.context["base"] >= 0:
            raise ValueError("broken after reading the context")
        return None

    @strawberry.field(graphql_type=str)  # type: ignore[untyped-decorator]
    def later_path(self, info: strawberry.Info) -> Awaitable[str]:
        async def value() -> str:
            await asyncio.sleep(0)  # the Info is read after the resolver returned
            return ".".join(str(key) for key in info.path.as_list())

        return value()

    @strawberry.field
    def leaves(self, info: strawberry.Info) -> list[Leaf]:
        row: Any = self
        info.context.setdefault("infos", []).append(info)
        return row.children  # type: ignore[no-any-return]

    @strawberry.field
    def seen(self, info: strawberry.Info) -> int:
        info.context.setdefault("infos", []).append(info)
        return int(info.context["base"])

    @strawberry.field
    def broken(self) -> str | None:
        raise ValueError("broken field")

    @strawberry.field
    def strict_broken(self) -> str:
        raise ValueError("strict broken field")

    @strawberry.field(graphql_type=int)  # type: ignore[untyped-decorator]
    def later(self) -> int | Awaitable[int]:
        row: Any = self

        async def value() -> int:
            await asyncio.sleep(0)
            return int(row.id) * 10

        return value()

    @strawberry.field(graphql_type=Leaf | None)  # type: ignore[untyped-decorator]
    def later_leaf(self, info: strawberry.Info) -> Leaf | Awaitable[Leaf | None] | None:
        row: Any = self

        async def value() -> Any:
            return row.child

        return value()

    @strawberry.field
    async def awaited(self) -> str:
        row: Any = self
        return f"async {row.id}"

    @strawberry.field
    def shout(self, text: str = "hi") -> str:
        return text.upper()

    @strawberry.field
    def named(self) -> Named | None:
        row: Any = self
        child: Named | None = row.child
        return child

    @strawberry.field
    def constant() -> str:  # a resolver without self
        return "constant"


@strawberry.type
class Query:
    @strawberry.field
    def things(self) -> list[Thing]:
        return ROWS  # type: ignore[return-value]

    @strawberry.field
    def thing(self) -> Thing | None:
        return ROWS[0]  # type: ignore[return-value]


def _rows() -> list[Row]:
    leaf = Row(7, name="leaf", count=3)
    return [
        Row(2, child=leaf, strict_child=leaf, children=[leaf, Row(8, name="second")]),
        Row(
            3,
            name="third",
            maybe="present",
            flag=False,
            colour=Colour.GREEN,
            child=leaf,
            strict_child=Row(9),
        ),
        Row(4, name="fourth", strict_child=leaf, children=[]),
    ]


ROWS = _rows()


def schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    return (
        strawberry.Schema(query=Query, types=[Leaf]),
        strawberry.Schema(query=Query, types=[Leaf], execution_context_class=Executor),
    )


REFERENCE, PLANNED = schemas()

DOCUMENTS = {
    "scalars": "{ things { name count flag colour at maybe label nullableLabel depth } }",
    "objects": "{ things { child { id name count } strictChild { id } children { id name } } }",
    "aliases and fragments": """
        { things { a: name b: name ...F ... on Thing { count } } }
        fragment F on Thing { name count label c: label }
    """,
    "directives": """
        { things { name @skip(if: true) count @include(if: true) label @skip(if: false) } }
    """,
    "typename": "{ things { __typename name child { __typename id } } }",
    "interfaces": "{ things { named { __typename name ... on Leaf { id count } } } }",
    "info resolvers": "{ things { depth path child { id } } }",
    "everything an info tells": """
        query Named($v: Int = 1) { things { about a: about child { id } } }
    """,
    "info resolvers returning awaitables and lists": """
        { things { laterPath leaves { id name } seen } }
    """,
    "info resolver fails": "{ things { name infoBroken count } }",
    "arguments": '{ things { shout loud: shout(text: "x") } }',
    "resolver without self": "{ things { constant } }",
    "awaitables": "{ things { later laterLeaf { id name } awaited label } }",
    "nullable error": "{ things { name broken count } }",
    "non-null error climbs": "{ things { name strictBroken } }",
    "null in a non-null child": "{ thing { name strictChild { id name } } }",
    "int out of range": "{ things { name count } }",
    "string refuses": "{ things { name } }",
    "wrong object type": "{ things { child { id } } }",
    "wrong enum": "{ things { colour } }",
    "null list item": "{ things { name children { id } } }",
    "wrong list item type": "{ things { name children { id } } }",
    "list item field fails": "{ thing { name children { id name } } }",
    "null item of a type without is_type_of": "{ things { name bares { value } } }",
    "nullable list of objects": "{ things { name named { name } children { __typename } } }",
}


def normalized(result: Any) -> tuple[Any, list[tuple[str, Any, Any]]]:
    errors = sorted(
        (error.message, error.path, [(loc.line, loc.column) for loc in error.locations or []])
        for error in result.errors or []
    )
    return result.data, errors


async def both(document: str, context: dict[str, Any]) -> tuple[Any, Any]:
    reference = await REFERENCE.execute(document, context_value=dict(context))
    planned = await PLANNED.execute(document, context_value=dict(context))
    return normalized(reference), normalized(planned)


@pytest.fixture(autouse=True)
def rows() -> Any:
    global ROWS
    ROWS = _rows()
    yield
    ROWS = _rows()


@pytest.mark.parametrize("name", list(DOCUMENTS))
async def test_same_answer_as_graphql_core(name: str) -> None:
    if name == "null in a non-null child":
        ROWS[0].strict_child = None
    if name == "int out of range":
        ROWS[1].count = 2**31
    if name == "string refuses":
        ROWS[2].name = object()
    if name == "wrong object type":
        ROWS[0].child = "not a row"
    if name == "wrong enum":
        ROWS[1].colour = "purple"
    if name == "null list item":
        ROWS[0].children = [Row(5), None]
    if name == "wrong list item type":
        ROWS[0].children = [Row(5), "not a row"]
    if name == "null item of a type without is_type_of":
        ROWS[1].bares = [Bare(value=3), None]
    if name == "list item field fails":
        ROWS[0].children = [Row(5), Row(6, name=object())]
    reference, planned = await both(DOCUMENTS[name], {"base": 1})
    assert planned == reference
    # The documents that set up a failure do fail, so the comparison covers an error.
    if name in {
        "nullable error",
        "non-null error climbs",
        "null in a non-null child",
        "int out of range",
        "string refuses",
        "wrong object type",
        "wrong enum",
        "null list item",
        "wrong list item type",
        "list item field fails",
        "null item of a type without is_type_of",
        "info resolver fails",
    }:
        assert reference[1], name


async def test_info_is_made_when_more_than_the_context_is_read() -> None:
    """A resolver called in place that reads only the context gets an Info without
    graphql-core's resolve info; one that reads more gets the resolve info it would have."""
    context: dict[str, Any] = {"base": 0}
    result = await PLANNED.execute("{ things { seen leaves { id } } }", context_value=context)
    assert result.errors is None
    infos = context["infos"]
    assert len(infos) == 2 * len(ROWS)
    assert all(isinstance(info, InPlaceInfo) for info in infos)
    # both read the context only: no resolve info was made for them
    assert [info.made_raw_info() for info in infos] == [None] * len(infos)
    assert result.data is not None
    assert [len(thing["leaves"]) for thing in result.data["things"]] == [2, 0, 0]
    # asked afterwards, it is the one graphql-core would have made, path included
    for index, info in enumerate(infos):
        name = "leaves" if index % 2 else "seen"
        assert info.context is context
        assert info.field_name == name
        assert info.path.as_list() == ["things", index // 2, name]
        assert [getattr(field, "name", "?") for field in info.selected_fields] == [name]
        raw = info.made_raw_info()
        assert raw is not None
        assert raw.context is context


async def test_the_planned_path_is_taken() -> None:
    """The comparison above would pass trivially if the executor planned nothing."""
    planned: set[str] = set()
    original = Executor.plan

    def spy(self: Executor, parent_type: Any, grouped_field_set: Any) -> Any:
        plan = original(self, parent_type, grouped_field_set)
        planned.update(f"{parent_type.name}.{direct.field_name}" for direct in plan.direct)
        return plan

    Executor.plan = spy  # type: ignore[method-assign]
    try:
        result = await PLANNED.execute(
            "{ things { name label depth child { id } shout later awaited } }",
            context_value={"base": 0},
        )
    finally:
        Executor.plan = original  # type: ignore[method-assign]
    assert result.errors is None
    # Attributes, self-only and info resolvers, objects and sync resolvers returning
    # awaitables are direct; fields with arguments and async resolvers are not.
    assert {"Thing.name", "Thing.label", "Thing.depth", "Thing.child", "Leaf.id"} <= planned
    assert "Thing.later" in planned
    assert not {"Thing.shout", "Thing.awaited"} & planned


async def test_fields_are_inspected_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """How a field is called in place is found on its first execution, not per request."""
    inspected: list[str] = []
    original = execution.direct_reader

    def spy(field_def: Any, default_resolver: Any) -> Any:
        inspected.append(field_def.extensions[GraphQLCoreConverter.DEFINITION_BACKREF].name)
        return original(field_def, default_resolver)

    monkeypatch.setattr(execution, "direct_reader", spy)
    schema = strawberry.Schema(query=Query, types=[Leaf], execution_context_class=Executor)
    document = "{ things { name label depth child { id } } }"
    first = await schema.execute(document, context_value={"base": 0})
    assert first.errors is None
    fields = ["things", "name", "label", "depth", "child", "id"]
    assert sorted(inspected) == sorted(fields)  # each once
    again = await schema.execute(document, context_value={"base": 0})
    assert again.data == first.data
    assert sorted(inspected) == sorted(fields)  # and not again


async def test_field_middleware_disables_planning() -> None:
    """An extension with a `resolve` hook sees every field, as without the executor."""
    seen: list[str] = []

    class Watch(SchemaExtension):
        def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
            seen.append(info.field_name)
            return _next(root, info, *args, **kwargs)

    schema = strawberry.Schema(
        query=Query, types=[Leaf], extensions=[Watch], execution_context_class=Executor
    )
    result = await schema.execute("{ things { name label } }", context_value={"base": 0})
    assert result.errors is None
    assert seen.count("name") == len(ROWS)
    assert seen.count("label") == len(ROWS)


def test_the_app_schema_executes_with_it() -> None:
    assert build_schema().execution_context_class is Executor
