"""Payment gateway adapters. ``TestGateway`` is built in; real providers implement the same port."""

from ordergraph.gateways.test_gateway import TestGateway

__all__ = ["TestGateway"]
