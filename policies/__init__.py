"""Authorization: the Casbin role table (policy files) and the SQL tree predicates."""

from policies.actor import Actor
from policies.enforcer import Action, Authorizer, Relation

__all__ = ["Action", "Actor", "Authorizer", "Relation"]
