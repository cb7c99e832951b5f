"""Printable documents (PDF): pure renderers given the facts a read query gathered."""

from ordergraph.documents.invoice import render_invoice
from ordergraph.documents.packing_slip import render_packing_slip

__all__ = ["render_invoice", "render_packing_slip"]
