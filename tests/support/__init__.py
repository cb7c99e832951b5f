"""Test harness: a throwaway PostgreSQL cluster, a real uvicorn server, a GraphQL client."""
