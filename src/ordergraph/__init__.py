"""ordergraph: a headless GraphQL order-management backend."""

__version__ = "0.1.0"
