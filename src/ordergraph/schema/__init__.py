"""GraphQL types, inputs, payloads, error codes, context and DataLoaders."""
