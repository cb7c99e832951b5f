"""The ``ordergraph`` command line: serve, migrate, seed, token create, schema."""

from __future__ import annotations

import asyncio
import os

import click

from ordergraph import __version__
from ordergraph.config import get_settings
from ordergraph.domain.principals import Role, Scope
from ordergraph.domain.tokens import ApiToken
from ordergraph.services.deps import Deps


@click.group()
@click.version_option(__version__, "--version", "-V", prog_name="ordergraph")
def main() -> None:
    """ordergraph: a headless GraphQL order-management backend."""


@main.command()
@click.option(
    "--host",
    default=lambda: os.environ.get("HOST", "127.0.0.1"),
    show_default="HOST or 127.0.0.1",
)
@click.option(
    "--port",
    type=int,
    default=lambda: int(os.environ.get("PORT", "8000")),
    show_default="PORT or 8000",
)
@click.option("--workers", type=int, default=1, show_default=True)
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
def serve(host: str, port: int, workers: int, reload: bool) -> None:
    """Serve the ASGI app with uvicorn."""
    import uvicorn

    uvicorn.run(
        "ordergraph.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=None if reload else workers,
        reload=reload,
        proxy_headers=True,
        log_level="info",
    )


@main.command()
def migrate() -> None:
    """Apply Alembic migrations to DATABASE_URL."""
    from ordergraph.db.migrate import upgrade

    asyncio.run(upgrade(get_settings().database_url))
    click.echo("database is at the latest migration", err=True)


@main.command()
@click.option("--demo", is_flag=True, default=True, help="Load the demo data set (default).")
def seed(demo: bool) -> None:
    """Load demo warehouses, products, stock and customers (idempotent)."""
    from ordergraph.services.seed import seed_demo

    async def run() -> None:
        async with _deps() as deps:
            summary = await seed_demo(deps)
        click.echo(
            f"seeded: {summary.warehouses} warehouses, {summary.products} products, "
            f"{summary.stock_levels} stock levels, {summary.customers} customers, "
            f"{summary.orders} orders",
            err=True,
        )

    if demo:
        asyncio.run(run())


@main.group()
def token() -> None:
    """Manage API tokens."""


@token.command("create")
@click.option(
    "--role",
    type=click.Choice(["admin", "staff", "storefront"], case_sensitive=False),
    required=True,
)
@click.option(
    "--scopes",
    default="",
    help="Comma- or space-separated, added to the role's defaults (staff only), e.g. "
    "'catalog:write,inventory:write'. Scopes: " + ", ".join(s.value for s in Scope) + ".",
)
@click.option("--name", default=None, help="A label to tell tokens apart.")
def token_create(role: str, scopes: str, name: str | None) -> None:
    """Print one new API token on stdout, nothing else."""
    from ordergraph.services.tokens import create_api_token

    parsed_role = Role(role.upper())
    try:
        parsed = frozenset(Scope(s) for s in scopes.replace(",", " ").split())
    except ValueError as exc:
        valid = ", ".join(s.value for s in Scope)
        raise click.BadParameter(f"{exc}; valid scopes: {valid}", param_hint="--scopes") from exc

    async def run() -> str:
        async with _deps() as deps:
            issued = await create_api_token(
                deps,
                role=parsed_role,
                name=name or f"{role}-token",
                scopes=parsed or None,
            )
        return issued.token

    try:
        click.echo(asyncio.run(run()))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--scopes") from exc


@token.command("list")
@click.option("--all", "show_all", is_flag=True, help="Also revoked, expired and customer tokens.")
def token_list(show_all: bool) -> None:
    """List API tokens: id, prefix, role, name, scopes, created, state (never the secret)."""
    from ordergraph.domain.clock import SystemClock
    from ordergraph.services.tokens import list_api_tokens

    async def run() -> list[ApiToken]:
        async with _deps() as deps:
            return await list_api_tokens(deps, include_customer_tokens=show_all)

    now = SystemClock().now()
    rows = [t for t in asyncio.run(run()) if show_all or t.is_active(now)]
    click.echo(f"{'ID':>5}  {'PREFIX':<13} {'ROLE':<10} {'CREATED':<20} {'STATE':<8} NAME  SCOPES")
    for t in rows:
        state = "active" if t.is_active(now) else ("revoked" if t.revoked_at else "expired")
        scopes = ",".join(sorted(s.value for s in t.scopes)) or "-"
        created = t.created_at.strftime("%Y-%m-%d %H:%M:%S")
        click.echo(
            f"{t.id:>5}  {t.prefix + '…':<13} {t.role.value:<10} {created:<20} {state:<8} "
            f"{t.name}  {scopes}"
        )


@token.command("revoke")
@click.argument("token_id")
def token_revoke(token_id: str) -> None:
    """Revoke a token by its id or display prefix (as `token list` shows them)."""
    from ordergraph.domain.errors import DomainError
    from ordergraph.services.tokens import revoke_api_token

    async def run() -> ApiToken:
        async with _deps() as deps:
            return await revoke_api_token(deps, token_id)

    try:
        revoked = asyncio.run(run())
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"revoked token {revoked.id} ({revoked.prefix}…, {revoked.name})", err=True)


@main.command()
def schema() -> None:
    """Print the GraphQL SDL."""
    from ordergraph.api import build_schema

    click.echo(build_schema().as_str())


class _deps:  # noqa: N801 - used as a context manager, reads like a function
    """Engine-backed service dependencies for one CLI command."""

    async def __aenter__(self) -> Deps:
        from ordergraph.db.engine import create_engine
        from ordergraph.db.uow import SqlUnitOfWork
        from ordergraph.domain.clock import SystemClock

        self.engine = create_engine(get_settings().database_url, pool_size=2)
        clock = SystemClock()
        engine = self.engine
        return Deps(uow=lambda: SqlUnitOfWork(engine, clock), clock=clock)

    async def __aexit__(self, *_exc: object) -> None:
        await self.engine.dispose()
