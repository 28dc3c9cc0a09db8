"""The GraphQL schema: root types, the error contract and the abuse limits."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from config import Settings
from schema.characters import StorableStringLiterals, StorableVariables
from schema.cost import CostBudget, Limits, PriceList
from schema.execution import Executor
from schema.extensions import ErrorContract, OperationObserver, RequireOperationName, log_errors
from schema.introspection import SchemaReaders
from schema.mutation import Mutation
from schema.query import Query
from schema.subscription import Subscription
from schema.types.account import Account, Application, License
from schema.types.company import Company
from schema.types.credit import LedgerEntry
from schema.types.device import Device
from schema.types.invitation import Invitation
from schema.types.user import User


class AppSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        log_errors(errors, execution_context.context if execution_context else None)


def build_schema(settings: Settings | None = None) -> AppSchema:
    settings = settings or Settings()
    limits = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
        StorableStringLiterals,
    ]
    budget = Limits(
        max_fields=settings.max_fields,
        max_repeats=settings.max_repeated_fields,
        budget=settings.cost_budget,
    )
    prices: list[PriceList] = []  # read from the schema once it is built, below

    def cost_budget() -> CostBudget:
        return CostBudget(
            prices[0],
            budget,
            anonymous_budget=settings.anonymous_cost_budget,
            max_tokens=settings.max_tokens,
        )

    schema = AppSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Company, User, Invitation, Account, Application, License, Device, LedgerEntry],
        # Fields that need nothing but the row (and info) are called in place (schema/execution).
        execution_context_class=Executor,
        # Factories: a fresh extension per request (the caches live at module level).
        extensions=[
            ErrorContract,
            RequireOperationName,
            SchemaReaders,
            StorableVariables,
            OperationObserver,
            lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
            # Before validation, which visits the document with its fragments expanded.
            cost_budget,
            # One rule set per schema: the validation cache is keyed by the rule classes,
            # which the limiters would create anew for every request.
            lambda: AddValidationRules(limits),
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
        ],
    )
    prices.append(PriceList(schema._schema))
    return schema
