"""One GraphQL object type per module."""
