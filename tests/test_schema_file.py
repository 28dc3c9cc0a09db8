"""schema.graphql in the repository is what the server serves."""

from pathlib import Path

from graphql import (
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    build_client_schema,
    build_schema,
    lexicographic_sort_schema,
    print_schema,
)
from graphql.utilities import get_introspection_query

from schema.export import sdl
from tests.graphql import GraphQLClient

SCHEMA_FILE = Path(__file__).parent.parent / "schema.graphql"


def test_schema_file_matches_the_code() -> None:
    committed = SCHEMA_FILE.read_text()
    assert committed == sdl(), "schema.graphql is stale: run `make schema` and commit it"


async def test_served_schema_is_the_exported_one(client: GraphQLClient) -> None:
    result = await client(get_introspection_query(descriptions=True, specified_by_url=True))
    served = lexicographic_sort_schema(build_client_schema(result.data))
    committed = lexicographic_sort_schema(build_schema(SCHEMA_FILE.read_text()))
    assert print_schema(served) == print_schema(committed)


def test_no_untyped_json_and_every_identifier_is_an_id() -> None:
    schema = build_schema(SCHEMA_FILE.read_text())
    # no scalar a typed client cannot read: only GraphQL's own and DateTime
    custom = {
        name
        for name, kind in schema.type_map.items()
        if isinstance(kind, GraphQLScalarType) and not name.startswith("__")
    }
    assert custom - {"String", "Int", "Float", "Boolean", "ID"} == {"DateTime"}
    # and every field or argument named as an identifier is an ID (cursors are Relay's)
    for type_name, kind in schema.type_map.items():
        if type_name.startswith("__") or not isinstance(
            kind, GraphQLObjectType | GraphQLInputObjectType | GraphQLInterfaceType
        ):
            continue
        for name, field in kind.fields.items():
            arguments = getattr(field, "args", {}).items()
            for label, typed in [(name, field.type), *((arg, a.type) for arg, a in arguments)]:
                if label == "id" or label.endswith(("Id", "Ids")):
                    assert "ID" in str(typed), f"{type_name}.{label} is {typed}"
