"""Thin GraphQL resolvers: read the context, open a session, call one service."""
