"""Query and mutation resolvers: parse input, call a service, map the result."""
