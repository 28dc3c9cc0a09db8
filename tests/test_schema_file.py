"""schema.graphql in the repository is what the server serves."""

from pathlib import Path

from graphql import build_client_schema, build_schema, lexicographic_sort_schema, print_schema
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
