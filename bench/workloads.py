"""The GraphQL documents of the workloads, shared by the runner and the CI test.

The baseline (bench/baseline.py) answers each with the same JSON, written by hand.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from services.pagination import list_scope

# W1: a partner's whole subtree in render order (depth-first), as a tree view needs it.
TREE = """
query Tree($first: Int!) {
  companyTree(first: $first) {
    edges { node { id name depth countryCode counts { children users devices } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

# W2: a page of the devices of a company's subtree, with company and account names.
DEVICES = """
query Devices($companyId: ID!, $first: Int!, $after: String) {
  devices(companyId: $companyId, first: $first, after: $after) {
    edges {
      cursor
      node {
        id serialNumber name model datapoints status registeredAt paidUntil
        company { id name }
        account { id name }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

# W3: a page of a company's ledger, newest first, with who did it.
LEDGER = """
query Ledger($companyId: ID!, $first: Int!, $after: String) {
  ledgerEntries(companyId: $companyId, first: $first, after: $after) {
    edges {
      cursor
      node {
        id kind amount balanceAfter createdAt reason reference transferId
        actor { id name }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

# W4: a dashboard: me, my company with its counts and balance, the running accounts.
DASHBOARD = """
query Dashboard($first: Int!) {
  me {
    id email name role
    company {
      id name depth
      counts { children descendants users devices }
      creditBalance
    }
  }
  accounts(status: ACTIVE, first: $first) {
    edges {
      node {
        id name customerName datapoints datapointsUsed datapointsLeft expiresAt
        license { name }
        company { name }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

# W8: a page of the audit trail of a company's whole subtree, newest first.
AUDIT = """
query Audit($companyId: ID!, $first: Int!, $after: String) {
  auditEvents(companyId: $companyId, includeDescendants: true, first: $first, after: $after) {
    edges {
      cursor
      node {
        id createdAt action actionName actorKind actorRole targetType targetId
        requestId clientAddress userAgent operation
        actor { id name }
        company { id name }
        changes { field before after }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

# W5: one credit move.
MOVE = """
mutation Move($input: CreditMoveInput!) {
  creditMove(input: $input) {
    __typename
    ... on CreditMovePayload { transferId outEntry { balanceAfter } inEntry { balanceAfter } }
    ... on Error { code field message }
  }
}
"""

# W6: one sign-in.
LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) {
    __typename
    ... on AuthPayload { accessToken }
    ... on Error { code message }
  }
}
"""


def global_id(type_name: str, pk: int) -> str:
    """The API's global ID (schema/ids.py), written out again: the baseline shares no code."""
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def cursor(*key: Any, scope: str = "") -> str:
    """The API's keyset cursor (services/pagination.py), written out again: the digest of
    its list and arguments, then the row's sort key."""
    raw = json.dumps([scope, *key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode()


def devices_scope(company_id: str) -> str:
    """The scope of `devices(companyId:)` with its other arguments at their defaults."""
    arguments = {"companyId": company_id, "includeDescendants": True}
    return list_scope("Query.devices:", {**arguments, "status": None, "accountId": None})


def tree_scope() -> str:
    """The scope of `companyTree(first:)` with its other arguments at their defaults."""
    arguments = {"rootId": None, "maxDepth": None, "includeArchived": False}
    return list_scope("Query.companyTree:", arguments)


def accounts_scope() -> str:
    """The scope of W4's `accounts(status: ACTIVE)`."""
    return list_scope("Query.accounts:", {"status": "ACTIVE", "companyId": None})


def audit_scope(company_id: str) -> str:
    """The scope of `auditEvents(companyId:, includeDescendants: true)` without filters."""
    arguments = {
        "companyId": company_id,
        "includeDescendants": True,
        "actorId": None,
        "actions": None,
        "targetId": None,
        "since": None,
        "until": None,
    }
    return list_scope("Query.auditEvents:", arguments)


def ledger_scope(company_id: str) -> str:
    """The scope of `ledgerEntries(companyId:)` without filters."""
    arguments = {"companyId": company_id, "kinds": None, "since": None, "until": None}
    return list_scope("Query.ledgerEntries:", arguments)


def body(query: str, variables: dict[str, Any]) -> dict[str, Any]:
    return {"query": query, "variables": variables}
