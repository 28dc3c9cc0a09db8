"""Execution without per-field machinery for fields that need none.

graphql-core executes every field of every row the same way: a path, a resolve-info
object, the resolver through Strawberry's wrapper (argument conversion, extension chain,
its own Info object), then `complete_value`'s chain of type checks. For a tree view of
1,000 companies with ten fields each that is most of the request. Yet most fields are an
attribute of the row (`name`, `node`), a function of the row alone (`id`, `cursor`) or of
the row and `info` (`depth`), with no arguments and no extensions to honour.

`Executor.execute_fields` plans each selection once per request. Such a *direct* field is
called in place: the attribute read, or the resolver called as Strawberry would call it
(the row as `self`, `info` when it asks for it — only then is an Info object built). A
scalar or enum value is coerced in place, an object's fields are executed in place; any
other value (a list, an interface, an awaitable) is completed by graphql-core's own
`complete_value`. Everything else — arguments, extensions, async resolvers — takes
graphql-core's path unchanged. Outcomes are graphql-core's, errors included: a failing
resolver, a null in a non-null field, a value the scalar refuses or an object of the wrong
type goes to graphql-core's `handle_field_error` with the field's path. With schema
extensions that hook into field resolution (graphql-core middleware) or inside `@defer`,
nothing is planned.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from operator import attrgetter
from typing import Any, ClassVar, cast

from graphql import (
    FieldNode,
    GraphQLBoolean,
    GraphQLField,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLString,
    get_nullable_type,
    is_leaf_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetails
from graphql.execution.executor import invalid_return_type_error, to_nodes
from graphql.pyutils import AwaitableOrValue, Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField
from strawberry.types.info import Info

# graphql-core's coercion of these scalars returns a value of this exact type as it is
# (an Int only within 32 bits).
UNCHANGED: tuple[tuple[GraphQLScalarType, type], ...] = (
    (GraphQLString, str),
    (GraphQLID, str),
    (GraphQLBoolean, bool),
    (GraphQLInt, int),
)
GroupedFieldSet = dict[str, list[FieldDetails]]
IsTypeOf = Callable[[Any, Any], Any]
# read(row), or read(row, info) for a field that takes info.
Read = Callable[..., Any]
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


@dataclass(frozen=True, slots=True)
class Direct:
    """A field called in place (see the module's docstring)."""

    response_name: str
    field_name: str
    field_details_list: list[FieldDetails]
    nodes: list[FieldNode]
    field: StrawberryField
    field_def: GraphQLField
    read: Read
    takes_info: bool
    non_null: bool
    leaf: GraphQLLeafType | None  # coerced in place
    same_as: type | None  # the Python type the leaf's coercion returns unchanged
    object_type: GraphQLObjectType | None  # executed in place


@dataclass(frozen=True, slots=True)
class Plan:
    """A selection's fields: those called in place, and the rest for graphql-core."""

    order: tuple[str, ...]  # every response key, in the document's order
    direct: tuple[Direct, ...]
    rest: GroupedFieldSet


def direct_reader(field_def: GraphQLField, default_resolver: Any) -> tuple[Read, bool] | None:
    """How to call the field in place, and whether it takes `info`; None if it cannot be."""
    field = field_def.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(field, StrawberryField) or field_def.args or field.extensions:
        return None
    resolver = field.base_resolver
    if resolver is None:
        # A basic field: what Strawberry's resolver for it returns, without the calls.
        if default_resolver is getattr:
            return attrgetter(field.python_name), False
        name = field.python_name
        return (lambda row: default_resolver(row, name)), False
    if (
        resolver.is_async
        or resolver.arguments
        or resolver.root_parameter
        or resolver.parent_parameter
    ):
        return None
    function = cast("Callable[..., Any]", resolver.wrapped_func)
    with_self = resolver.self_parameter is not None
    info_parameter = resolver.info_parameter
    if info_parameter is None:
        return (function if with_self else lambda _row: function()), False
    name = info_parameter.name
    if with_self:
        if _second_positional(function, name):
            return function, True  # (self, info): the function itself, no call more
        return (lambda row, info: function(row, **{name: info})), True
    return (lambda _row, info: function(**{name: info})), True


def _second_positional(function: Callable[..., Any], name: str) -> bool:
    """Whether `function(row, info)` passes info as the parameter `name`."""
    parameters = list(inspect.signature(function).parameters.values())
    return (
        len(parameters) == 2
        and parameters[1].name == name
        and parameters[1].kind
        in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    )


@cache
def info_free(is_type_of: IsTypeOf | None) -> bool:
    """An `is_type_of` that declares (by its parameter's leading underscore) it ignores info."""
    if is_type_of is None:
        return True
    parameters = list(inspect.signature(is_type_of).parameters)
    return len(parameters) == 2 and parameters[1].startswith("_")


class InPlaceInfo(Info[Any, Any]):
    """The Info of a field called in place. Most such resolvers read only `info.context`;
    graphql-core's resolve info (the field's path, nodes, types...) is made the first time
    anything else is asked for, and is then the one the field's completion uses."""

    def __init__(
        self,
        executor: Executor,
        direct: Direct,
        parent_type: GraphQLObjectType,
        path: Path | None,
    ) -> None:  # the dataclass fields: `_field` now, `_raw_info` in __getattr__
        self._field = direct.field
        self._executor = executor
        self._direct = direct
        self._parent_type = parent_type
        self._parent_path = path

    @property
    def context(self) -> Any:
        return self._executor.context_value

    @property
    def field_name(self) -> str:
        return self._direct.field_name

    def __getattr__(self, name: str) -> Any:
        # Only for what the instance does not have yet: graphql-core's resolve info.
        if name != "_raw_info":
            raise AttributeError(name)
        direct = self._direct
        raw_info = self._executor.build_resolve_info(
            direct.field_def,
            direct.nodes,
            self._parent_type,
            Path(self._parent_path, direct.response_name, self._parent_type.name),
        )
        self._raw_info = raw_info
        return raw_info

    def made_raw_info(self) -> GraphQLResolveInfo[Any] | None:
        """graphql-core's resolve info if the resolver made it, else None."""
        made: GraphQLResolveInfo[Any] | None = self.__dict__.get("_raw_info")
        return made


class Executor(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Keyed by the identity of graphql-core's memoized field sets, which it keeps alive
        # for the whole execution; the value holds the set too, so its id is never reused.
        self._plans: dict[tuple[int, str], tuple[GroupedFieldSet, Plan]] = {}
        # Per (object type, field nodes): the plan of the object's fields, or None when
        # graphql-core must collect and execute them itself (`@defer` below, no plain field).
        self._object_plans: dict[tuple[str, int], tuple[list[FieldDetails], Plan | None]] = {}
        manager = self.middleware_manager
        self._plannable = not (manager and manager.middlewares)
        config = self.schema._strawberry_schema.config  # type: ignore[attr-defined]
        self._info_class = config.info_class
        # Strawberry's own Info class (not a subclass the schema configured) may be made lazily.
        self._in_place_info = config.info_class is Info
        self._default_resolver = config.default_resolver

    def plan(self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet) -> Plan:
        key = (id(grouped_field_set), parent_type.name)
        known = self._plans.get(key)
        if known is not None:
            return known[1]
        direct: list[Direct] = []
        rest: GroupedFieldSet = {}
        for response_name, field_details_list in grouped_field_set.items():
            field = self._direct(parent_type, response_name, field_details_list)
            if field is None:
                rest[response_name] = field_details_list
            else:
                direct.append(field)
        plan = Plan(tuple(grouped_field_set), tuple(direct), rest)
        self._plans[key] = (grouped_field_set, plan)
        return plan

    # How each field of a schema is called in place, found once per process: keyed by the
    # identity of the field's definition (unhashable) and of the default resolver, which
    # the value holds, so neither id is reused; one entry per field of the schemas run.
    _readers: ClassVar[dict[tuple[int, int], tuple[object, object, tuple[Read, bool] | None]]] = {}

    def _reader(self, field_def: GraphQLField) -> tuple[Read, bool] | None:
        default = self._default_resolver
        known = self._readers.get((id(field_def), id(default)))
        if known is None:
            known = (field_def, default, direct_reader(field_def, default))
            self._readers[id(field_def), id(default)] = known
        return known[2]

    def _direct(
        self,
        parent_type: GraphQLObjectType,
        response_name: str,
        field_details_list: list[FieldDetails],
    ) -> Direct | None:
        field_name = field_details_list[0].node.name.value
        field_def = self.schema.get_field(parent_type, field_name)
        if field_def is None or field_name.startswith("__"):
            return None
        reader = self._reader(field_def)
        if reader is None:
            return None
        read, takes_info = reader
        return_type = field_def.type
        non_null = isinstance(return_type, GraphQLNonNull)
        named = get_nullable_type(return_type)
        leaf = named if is_leaf_type(named) else None
        object_type = named if is_object_type(named) else None
        if object_type is not None and not info_free(object_type.is_type_of):
            object_type = None  # graphql-core's path gives its is_type_of the info
        return Direct(
            response_name,
            field_name,
            field_details_list,
            to_nodes(field_details_list),
            field_def.extensions[GraphQLCoreConverter.DEFINITION_BACKREF],
            field_def,
            read,
            takes_info,
            non_null,
            leaf,
            next((kind for scalar, kind in UNCHANGED if scalar is leaf), None),
            object_type,
        )

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        if position_context is not None or not self._plannable:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        plan = self.plan(parent_type, grouped_field_set)
        if not plan.direct:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        return self._execute_planned(parent_type, source_value, path, plan)

    def _execute_object(
        self,
        object_type: GraphQLObjectType,
        field_details_list: list[FieldDetails],
        path: Path,
        value: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        """`collect_and_execute_subfields` with the collection and the plan looked up once
        per selection instead of once per object."""
        key = (object_type.name, id(field_details_list))
        known = self._object_plans.get(key)
        if known is None:
            grouped_field_set, new_defer_usages, _ = self.collect_subfields(
                object_type, field_details_list
            )
            plan = None if new_defer_usages else self.plan(object_type, grouped_field_set)
            # Holding the list keeps its id from being reused while this executor lives.
            known = (field_details_list, plan if plan is not None and plan.direct else None)
            self._object_plans[key] = known
        plan = known[1]
        if plan is None:
            return self.collect_and_execute_subfields(
                object_type, field_details_list, path, value, None
            )
        return self._execute_planned(object_type, value, path, plan)

    def _execute_planned(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        plan: Plan,
    ) -> AwaitableOrValue[dict[str, Any]]:
        # With fields left to graphql-core, pre-filled in the document's order so the
        # response keeps it whatever runs first; else the direct fields are that order.
        results: dict[str, Any] = dict.fromkeys(plan.order) if plan.rest else {}
        pending: list[str] = []
        is_awaitable = self.is_awaitable
        try:
            for direct in plan.direct:
                name = direct.response_name
                if direct.takes_info:
                    value = self._execute_direct(parent_type, source_value, path, direct)
                else:
                    # The most common field of all (an attribute that is a string, an
                    # integer or a boolean) without a call more than needed.
                    try:
                        value = direct.read(source_value)
                    except Exception as raw_error:
                        self._field_error(raw_error, parent_type, path, direct)
                        results[name] = None
                        continue
                    kind = type(value)
                    if kind is direct.same_as and (kind is not int or INT_MIN <= value <= INT_MAX):
                        results[name] = value
                        continue
                    value = self._complete_direct(parent_type, path, direct, value, None, None)
                results[name] = value
                # An object completed in place is a dict: only other values may be pending.
                if value is not None and type(value) is not dict and is_awaitable(value):
                    pending.append(name)
        except Exception:
            # A non-null field failed: the object is null; let started work fail quietly.
            if pending:
                self.settle_in_background([results[name] for name in pending])
            raise
        if not plan.rest and not pending:
            return results
        others: AwaitableOrValue[dict[str, Any]] = {}
        if plan.rest:
            try:
                others = super().execute_fields(parent_type, source_value, path, plan.rest, None)
            except Exception:
                if pending:
                    self.settle_in_background([results[name] for name in pending])
                raise
        if not pending and not is_awaitable(others):
            return merge(results, others, plan)  # type: ignore[arg-type]

        async def gather() -> dict[str, Any]:
            awaitables = [results[name] for name in pending]
            if is_awaitable(others):
                awaitables.append(others)
            values = await gather_with_cancel(*awaitables)
            results.update(zip(pending, values, strict=False))
            rest = values[-1] if len(values) > len(pending) else others
            return merge(results, cast("dict[str, Any]", rest), plan)

        return gather()

    def _execute_direct(
        self, parent_type: GraphQLObjectType, source: Any, path: Path | None, direct: Direct
    ) -> Any:
        """The field's completed value (None for null), or an awaitable of it."""
        field_path: Path | None = None
        raw_info: GraphQLResolveInfo[Any] | None = None
        try:
            if not direct.takes_info:
                value = direct.read(source)
            elif self._in_place_info:
                info = InPlaceInfo(self, direct, parent_type, path)
                try:
                    value = direct.read(source, info)
                finally:
                    raw_info = info.made_raw_info()
                    field_path = raw_info.path if raw_info is not None else None
            else:
                field_path = Path(path, direct.response_name, parent_type.name)
                raw_info = self.build_resolve_info(
                    direct.field_def, direct.nodes, parent_type, field_path
                )
                value = direct.read(
                    source, self._info_class(_raw_info=raw_info, _field=direct.field)
                )
        except Exception as raw_error:
            self._field_error(raw_error, parent_type, path, direct, field_path)
            return None
        return self._complete_direct(parent_type, path, direct, value, field_path, raw_info)

    def _complete_direct(
        self,
        parent_type: GraphQLObjectType,
        path: Path | None,
        direct: Direct,
        value: Any,
        field_path: Path | None,
        raw_info: GraphQLResolveInfo[Any] | None,
    ) -> Any:
        """`complete_value` for the direct field's value, in place where it can be."""
        return_type: GraphQLOutputType = direct.field_def.type
        try:
            # The common scalars, exactly as their coercion would return them.
            kind = type(value)
            if kind is direct.same_as and (kind is not int or INT_MIN <= value <= INT_MAX):
                return value
            if value is None:
                if direct.non_null:
                    raise TypeError(
                        "Cannot return null for non-nullable field"
                        f" {parent_type.name}.{direct.field_name}."
                    )
                return None
            if isinstance(value, Exception):
                raise value
            if direct.leaf is not None and not self.is_awaitable(value):
                return self.complete_leaf_value(direct.leaf, value)
            field_path = field_path or Path(path, direct.response_name, parent_type.name)
            if direct.object_type is not None and not self.is_awaitable(value):
                # Planned only when it ignores info (info_free), so None may stand for it.
                is_type_of: IsTypeOf | None = direct.object_type.is_type_of
                if is_type_of is not None and not is_type_of(value, raw_info):
                    raise invalid_return_type_error(
                        direct.object_type, value, direct.field_details_list
                    )
                completed = self._execute_object(
                    direct.object_type, direct.field_details_list, field_path, value
                )
            else:
                info = raw_info or self.build_resolve_info(
                    direct.field_def, direct.nodes, parent_type, field_path
                )
                if self.is_awaitable(value):
                    return self.complete_awaitable_value(
                        return_type, direct.field_details_list, info, field_path, value, None
                    )
                completed = self.complete_value(
                    return_type, direct.field_details_list, info, field_path, value, None
                )
            if self.is_awaitable(completed):
                return self._settled(completed, return_type, direct.field_details_list, field_path)
            return completed
        except Exception as raw_error:
            self._field_error(raw_error, parent_type, path, direct, field_path)
            return None

    def _field_error(
        self,
        raw_error: Exception,
        parent_type: GraphQLObjectType,
        path: Path | None,
        direct: Direct,
        field_path: Path | None = None,
    ) -> None:
        """graphql-core's handling: raises for a non-null field (its parent becomes null),
        else records the error and the field is null."""
        self.handle_field_error(
            raw_error,
            direct.field_def.type,
            direct.field_details_list,
            field_path or Path(path, direct.response_name, parent_type.name),
        )

    def complete_list_item_value(
        self,
        item: Any,
        complete_results: list[Any],
        item_type: GraphQLOutputType,
        field_details_list: list[FieldDetails],
        info: GraphQLResolveInfo[Any],
        item_path: Path,
        position_context: Any,
    ) -> bool:
        """An object item of a list straight to its fields (graphql-core's item completion
        without its chain of type dispatch); anything unusual takes graphql-core's path."""
        object_type = get_nullable_type(item_type)
        if (
            position_context is not None
            or not self._plannable
            or not isinstance(object_type, GraphQLObjectType)
            or item is None
            or isinstance(item, Exception)
            or (object_type.is_type_of is not None and not object_type.is_type_of(item, info))
        ):
            return super().complete_list_item_value(
                item,
                complete_results,
                item_type,
                field_details_list,
                info,
                item_path,
                position_context,
            )
        try:
            completed = self._execute_object(object_type, field_details_list, item_path, item)
        except Exception as raw_error:
            self.handle_field_error(raw_error, item_type, field_details_list, item_path)
            complete_results.append(None)
            return False
        if self.is_awaitable(completed):
            complete_results.append(
                self._settled(completed, item_type, field_details_list, item_path)
            )
            return True
        complete_results.append(completed)
        return False

    async def _settled(
        self,
        completed: Awaitable[Any],
        return_type: GraphQLOutputType,
        field_details_list: list[FieldDetails],
        path: Path,
    ) -> Any:
        """graphql-core's handling of a value completed later: a failure is the field's."""
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None


def merge(results: dict[str, Any], others: dict[str, Any], plan: Plan) -> dict[str, Any]:
    results.update(others)
    if len(others) < len(plan.rest):  # a field graphql-core left out (not in the schema)
        for name in plan.rest.keys() - others.keys():
            del results[name]
    return results
