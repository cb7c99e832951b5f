"""Pure domain model: imports only the standard library and small pure helpers."""
