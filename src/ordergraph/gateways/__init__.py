"""Provider adapters. ``TestGateway`` (payments) and ``TableTaxProvider`` (taxes) are built in;
real providers implement the same ports."""

from ordergraph.gateways.tax_table import TableTaxProvider
from ordergraph.gateways.test_gateway import TestGateway

__all__ = ["TableTaxProvider", "TestGateway"]
