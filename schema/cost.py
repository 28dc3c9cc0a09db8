"""The price of a document, computed before graphql-core sees it (SPEC section 8).

One pass over the parsed document, fragments expanded but each fragment priced once
(memoized), so its time is linear in the document's size whatever the document expands to:

- **Size.** The field selections after expanding fragments are counted, and so is how often
  one response name is selected in one selection set. Both are bounded *before* validation:
  graphql-core's validation visits the expanded document, and its OverlappingFieldsCanBeMerged
  compares every pair of fields sharing a response name (quadratic), so a few hundred bytes
  of fragments that spread each other twice, or one field repeated 600 times, would hold the
  event loop for seconds.
- **Cost.** A field returning an object costs 1, a scalar or enum 0, unless the field
  declares `@cost(weight:)`. A list multiplies what each item costs (its weight plus its
  selection's) by its size: the value of its slicing argument (`first`, from the literal, the
  variable or the argument's default) or its `@listSize(assumedSize:)`; a connection declares
  `@listSize(assumedSize: 50, slicingArguments: ["first", "last"], sizedFields: ["edges"])` so
  the size (`first` or `last`, whichever is given, else the default page) applies to its
  `edges`. Both directives sit on the field in the code (IBM's GraphQL Cost Directives
  specification) and are printed in schema.graphql, so clients can price their documents.
  Members of unions and interfaces are added up, `@skip`/`@include` are not evaluated: an
  estimate that errs on the high side.

Runs in `on_validate` for every operation type, subscriptions included.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    is_list_type,
)
from graphql.type.definition import GraphQLInterfaceType, GraphQLObjectType
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef
from strawberry.extensions import SchemaExtension
from strawberry.schema_directive import Location

from services.pagination import DEFAULT_PAGE_SIZE, DEFAULT_TREE_PAGE_SIZE

# A list that declares no size (`ancestors`, the introspection lists) is taken to be this long.
ASSUMED_LIST_SIZE = 10


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="cost",
    description="What one of this field's values costs, instead of 1 (object) or 0 (scalar).",
)
class Cost:
    weight: int


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="listSize",
    description=(
        "How long this field's list is: the value of a slicing argument, else `assumedSize`; "
        "with `sizedFields`, the lists of those fields of its value (a connection's `edges`)."
    ),
)
class ListSize:
    assumed_size: int | None = None
    slicing_arguments: list[str] | None = None
    sized_fields: list[str] | None = None


# A page is `first` or `last` rows (never both), the default page when neither is given.
CONNECTION = ListSize(
    assumed_size=DEFAULT_PAGE_SIZE, slicing_arguments=["first", "last"], sized_fields=["edges"]
)
TREE_CONNECTION = ListSize(
    assumed_size=DEFAULT_TREE_PAGE_SIZE,
    slicing_arguments=["first", "last"],
    sized_fields=["edges"],
)


@dataclass(frozen=True)
class Limits:
    max_fields: int  # field selections after expanding fragments
    max_repeats: int  # selections of one response name in one selection set
    budget: int


@dataclass(frozen=True)
class Price:
    """What the schema says of one field's cost."""

    weight: int
    is_list: bool
    slicing: tuple[str, ...] = ()
    assumed_size: int | None = None  # else the slicing argument's default, else ASSUMED
    sized_fields: frozenset[str] = frozenset()


class Refused(Exception):
    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions

    def as_error(self) -> GraphQLError:
        return GraphQLError(
            self.message, extensions={"code": "GRAPHQL_VALIDATION_FAILED", **self.extensions}
        )


def _price(field: GraphQLField) -> Price:
    declared = getattr(field.extensions.get("strawberry-definition"), "directives", ())
    cost = next((d for d in declared if isinstance(d, Cost)), None)
    size = next((d for d in declared if isinstance(d, ListSize)), None)
    named = get_named_type(field.type)
    weight = cost.weight if cost else (1 if is_composite_type(named) else 0)
    slicing = tuple(size.slicing_arguments or ()) if size else ()
    assumed = size.assumed_size if size else None
    for name in slicing:
        default = field.args[name].default_value if name in field.args else None
        if assumed is None and isinstance(default, int):
            assumed = default
    return Price(
        weight=weight,
        is_list=is_list_type(get_nullable_type(field.type)),
        slicing=slicing,
        assumed_size=assumed,
        sized_fields=frozenset(size.sized_fields or ()) if size else frozenset(),
    )


class PriceList:
    """Each field's price, read once per schema from the directives on its definition."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self._prices: dict[tuple[str, str], tuple[Price, GraphQLField]] = {}
        for type_ in schema.type_map.values():
            if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
                for name, field in type_.fields.items():
                    self._prices[type_.name, name] = (_price(field), field)
        for meta in (SchemaMetaFieldDef, TypeMetaFieldDef):
            query = schema.query_type
            assert query is not None
            self._prices[query.name, "__schema" if meta is SchemaMetaFieldDef else "__type"] = (
                _price(meta),
                meta,
            )
        self._typename = (_price(TypeNameMetaFieldDef), TypeNameMetaFieldDef)

    def of(self, parent: GraphQLNamedType | None, name: str) -> tuple[Price, GraphQLField] | None:
        if name == "__typename":
            return self._typename
        return None if parent is None else self._prices.get((parent.name, name))


@dataclass
class _Priced:
    fields: int
    cost: int
    keys: dict[str, int]  # response names at the top of the selection set, fragments expanded


_NOTHING = _Priced(0, 0, {})  # an unknown fragment, or a cycle: validation reports both


class _Pass:
    def __init__(
        self,
        prices: PriceList,
        document: DocumentNode,
        variables: Mapping[str, Any],
        limits: Limits,
    ) -> None:
        self.prices = prices
        self.variables = variables
        self.limits = limits
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.memo: dict[tuple[str, frozenset[str], int], _Priced] = {}
        self.defaults: dict[str, Any] = {}

    def operation(self, operation: OperationDefinitionNode) -> _Priced:
        self.defaults = {
            d.variable.name.value: d.default_value for d in operation.variable_definitions or ()
        }
        root = self.prices.schema.get_root_type(operation.operation)
        return self.selection_set(operation.selection_set, root, frozenset(), 1)

    def selection_set(
        self,
        node: SelectionSetNode,
        parent: GraphQLNamedType | None,
        sized: frozenset[str],
        size: int,
    ) -> _Priced:
        fields = cost = 0
        keys: dict[str, int] = {}
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                keys[key] = keys.get(key, 0) + 1
                more, price = self.field(selection, parent, sized, size)
            else:
                if isinstance(selection, InlineFragmentNode):
                    condition = selection.type_condition
                    inner = (
                        self.prices.schema.get_type(condition.name.value) if condition else parent
                    )
                    part = self.selection_set(selection.selection_set, inner, sized, size)
                else:
                    assert isinstance(selection, FragmentSpreadNode)
                    part = self.spread(selection.name.value, sized, size)
                more, price = part.fields, part.cost
                for key, times in part.keys.items():
                    keys[key] = keys.get(key, 0) + times
            fields += more
            cost += price
            if fields > self.limits.max_fields:
                raise Refused(
                    f"The document selects more than {self.limits.max_fields} fields "
                    "with its fragments expanded",
                    maxFields=self.limits.max_fields,
                )
        for key, times in keys.items():
            if times > self.limits.max_repeats:
                raise Refused(
                    f"`{key}` is selected {times} times in one selection set "
                    f"(at most {self.limits.max_repeats})",
                    maxRepeats=self.limits.max_repeats,
                )
        return _Priced(fields, cost, keys)

    def spread(self, name: str, sized: frozenset[str], size: int) -> _Priced:
        key = (name, sized, size)
        found = self.memo.get(key)
        if found is not None:
            return found
        fragment = self.fragments.get(name)
        if fragment is None:
            return _NOTHING
        self.memo[key] = _NOTHING  # until priced: a spread of itself below adds nothing
        on = self.prices.schema.get_type(fragment.type_condition.name.value)
        found = self.memo[key] = self.selection_set(fragment.selection_set, on, sized, size)
        return found

    def field(
        self, node: FieldNode, parent: GraphQLNamedType | None, sized: frozenset[str], size: int
    ) -> tuple[int, int]:
        """The field selections at and below this field, and its cost."""
        known = self.prices.of(parent, node.name.value)
        below = node.selection_set
        if known is None:  # validation reports it; its selection still counts
            inner = self.selection_set(below, None, frozenset(), 1) if below else _NOTHING
            return 1 + inner.fields, 0
        price, definition = known
        # A connection sizes its `edges`; any other list sizes itself.
        if node.name.value in sized:
            length = size
        else:
            length = self._length(node, price) if price.is_list else 1
        if below is None:
            return 1, length * price.weight
        if price.sized_fields:
            inner_sized, inner_size = price.sized_fields, self._length(node, price)
        else:
            inner_sized, inner_size = frozenset(), 1
        inner = self.selection_set(below, get_named_type(definition.type), inner_sized, inner_size)
        return 1 + inner.fields, length * (price.weight + inner.cost)

    def _length(self, node: FieldNode, price: Price) -> int:
        """The list's size: the first slicing argument given, else the assumed size."""
        given = {argument.name.value: argument.value for argument in node.arguments or ()}
        for name in price.slicing:
            value: Any = given.get(name)
            if isinstance(value, VariableNode):
                variable = value.name.value
                value = self.variables.get(variable, self.defaults.get(variable))
            if isinstance(value, IntValueNode):
                value = int(value.value)
            if isinstance(value, int) and not isinstance(value, bool):
                return max(value, 0)
        return price.assumed_size or ASSUMED_LIST_SIZE


def price_document(
    prices: PriceList,
    document: DocumentNode,
    *,
    operation_name: str | None,
    variables: Mapping[str, Any],
    limits: Limits,
) -> int:
    """The cost of the operation to run; raises `Refused` over a limit or over the budget.

    Every operation's size is bounded (validation visits them all); only the one to run is
    priced against the budget.
    """
    run = _Pass(prices, document, variables, limits)
    cost = 0
    for operation in _operations(document):
        priced = run.operation(operation)
        if operation_name is None or (operation.name and operation.name.value == operation_name):
            cost = priced.cost if operation_name else max(cost, priced.cost)
    if cost > limits.budget:
        raise Refused(
            f"The query costs {cost}, over the budget of {limits.budget}: ask for smaller "
            "pages (`first`) or fewer nested lists",
            cost=cost,
            budget=limits.budget,
        )
    return cost


def _operations(document: DocumentNode) -> Iterator[OperationDefinitionNode]:
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            yield definition


# GraphQL's tokens (block strings, strings, names, numbers, punctuators) and its comments,
# which the parser skips. Strings come first so a `#` inside one is not a comment.
_TOKEN = re.compile(
    r'"""(?:\\"""|[^"]|"(?!""))*"""|"(?:\\.|[^"\\\n])*"|#[^\n\r]*'
    r"|[_A-Za-z][_0-9A-Za-z]*|-?[0-9][0-9.eE+-]*|\.\.\.|[!$&()\[\]{}:=@|]"
)


def more_tokens_than(query: str, limit: int) -> bool:
    """Whether the document has more than `limit` tokens, found by one regular expression
    instead of graphql-core's lexer (whose Python loop costs some 10 µs a token): a document
    over the token limit is refused without being parsed at all."""
    count = 0
    for match in _TOKEN.finditer(query):
        if match.group()[0] != "#":
            count += 1
            if count > limit:
                return True
    return False


class CostBudget(SchemaExtension):
    """Refuses oversized and over-budget documents before validation; reports the cost of
    an accepted one in `extensions.cost` when the request asks (`Context.report_cost`)."""

    def __init__(
        self, prices: PriceList, limits: Limits, *, anonymous_budget: int, max_tokens: int
    ) -> None:
        super().__init__()
        self.prices = prices
        self.limits = limits
        self.anonymous_budget = anonymous_budget
        self.max_tokens = max_tokens
        self.cost: int | None = None
        self.budget = limits.budget

    def on_parse(self) -> Iterator[None]:
        # The parser stops at the limit too (MaxTokensLimiter), but only after lexing it.
        query = self.execution_context.query
        if query is not None and more_tokens_than(query, self.max_tokens):
            raise GraphQLError(
                f"Syntax Error: Document contains more than {self.max_tokens} tokens. "
                "Parsing aborted.",
                extensions={"code": "GRAPHQL_PARSE_FAILED"},
            )
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            request = context.context
            if getattr(request, "actor", None) is None:
                self.budget = self.anonymous_budget
            limits = Limits(self.limits.max_fields, self.limits.max_repeats, self.budget)
            try:
                self.cost = price_document(
                    self.prices,
                    document,
                    operation_name=context._provided_operation_name,
                    variables=context.variables or {},
                    limits=limits,
                )
            except Refused as refused:
                raise refused.as_error() from None
            except RecursionError:  # the parser's nesting limit is deeper than Python's stack
                raise Refused("The document nests too deeply").as_error() from None
        yield

    def get_results(self) -> dict[str, Any]:
        request = self.execution_context.context
        if self.cost is None or not getattr(request, "report_cost", False):
            return {}
        return {"cost": {"estimated": self.cost, "budget": self.budget}}
