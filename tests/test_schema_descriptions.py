"""Every type, field, argument, input field and enum value of the schema has a description:
it is what an administrator reads in GraphiQL's docs (what it is, units, defaults, who may use
it), so a gap is a failure like any other."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
)

from schema import build_schema


def undescribed(schema: GraphQLSchema) -> list[str]:
    """What lacks a description, as `Type`, `Type.field`, `Type.field(argument)`."""
    missing: list[str] = []
    for name, kind in sorted(schema.type_map.items()):
        if name.startswith("__"):  # introspection's own, described by graphql-core
            continue
        if not (kind.description or "").strip():
            missing.append(name)
        if isinstance(kind, (GraphQLObjectType, GraphQLInterfaceType)):
            for field_name, field in kind.fields.items():
                if not (field.description or "").strip():
                    missing.append(f"{name}.{field_name}")
                missing += [
                    f"{name}.{field_name}({arg_name})"
                    for arg_name, arg in field.args.items()
                    if not (arg.description or "").strip()
                ]
        elif isinstance(kind, GraphQLInputObjectType):
            missing += [
                f"{name}.{field_name}"
                for field_name, field in kind.fields.items()
                if not (field.description or "").strip()
            ]
        elif isinstance(kind, GraphQLEnumType):
            missing += [
                f"{name}.{value_name}"
                for value_name, value in kind.values.items()
                if not (value.description or "").strip()
            ]
    return missing


def test_everything_in_the_schema_is_described() -> None:
    missing = undescribed(build_schema()._schema)
    assert missing == [], f"{len(missing)} without a description:\n" + "\n".join(missing)


def test_a_missing_description_is_found() -> None:
    from graphql import build_schema as from_sdl

    sdl = '''
    """Root."""
    type Query {
      """Described."""
      a(x: Int): E
      b: Int
    }
    """An enum."""
    enum E {
      """One."""
      ONE
      TWO
    }
    '''
    found = [m for m in undescribed(from_sdl(sdl)) if m not in ("Int", "Boolean", "String")]
    assert found == ["E.TWO", "Query.a(x)", "Query.b"]
