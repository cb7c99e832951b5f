"""HTTP/web layer helpers for ordergraph (ASGI app pieces, static assets)."""
