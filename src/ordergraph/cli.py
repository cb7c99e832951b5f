"""The ``ordergraph`` command line: serve, migrate, seed, token create, payments reconcile,
inventory audit, import, export orders, schema."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from ordergraph import __version__
from ordergraph.config import get_settings
from ordergraph.domain.principals import Role, Scope
from ordergraph.domain.tokens import ApiToken
from ordergraph.services.deps import Deps

if TYPE_CHECKING:
    from ordergraph.domain.catalog_import import Column, ImportReport
    from ordergraph.domain.clock import Clock
    from ordergraph.services.catalog_import import ImportUseCase


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

    # links made outside a request (customer mail) use the address actually served
    os.environ["HOST"], os.environ["PORT"] = host, str(port)
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
@click.option(
    "--history-orders",
    type=click.IntRange(min=0, max=20_000),
    default=None,
    help="Back-dated orders over the last six months (default 300, about 25 s on SQLite).",
)
@click.option("--no-history", is_flag=True, help="No back-dated order history.")
def seed(demo: bool, history_orders: int | None, no_history: bool) -> None:
    """Load demo warehouses, products, stock, customers and six months of order history
    (idempotent: a second run adds nothing)."""
    from dataclasses import replace

    from ordergraph.domain.clock import ReplayClock, SystemClock
    from ordergraph.gateways import TestGateway
    from ordergraph.services.demo_history import DEFAULT_ORDERS
    from ordergraph.services.seed import seed_demo

    count = 0 if no_history else DEFAULT_ORDERS if history_orders is None else history_orders

    async def run() -> None:
        # the history replays each step at its own time, on a clock the unit of work shares
        async with _deps(ReplayClock(SystemClock())) as deps:
            # demo orders are paid with the test gateway's tok_ok: no real money, whatever
            # ORDERGRAPH_PAYMENT_GATEWAY says
            summary = await seed_demo(replace(deps, gateway=TestGateway()), history_orders=count)
        history = (
            "history already there"
            if summary.history_skipped
            else f"{summary.history_orders} history orders"
        )
        click.echo(
            f"seeded: {summary.warehouses} warehouses, {summary.products} products, "
            f"{summary.stock_levels} stock levels, {summary.customers} customers, "
            f"{summary.orders} orders, {history}",
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


@main.group()
def payments() -> None:
    """Payments at the provider."""


@payments.command("reconcile")
@click.option("--days", type=int, default=30, show_default=True, help="Payments made since.")
@click.option("--limit", type=int, default=1000, show_default=True, help="Orders at most.")
def payments_reconcile(days: int, limit: int) -> None:
    """Compare our payment records with the provider's; exit 1 on any mismatch (2 when the
    provider could not be asked)."""
    from datetime import timedelta

    from ordergraph.services.reconcile import reconcile_payments

    async def run() -> int:
        async with _deps() as deps:
            since = deps.clock.now() - timedelta(days=days)
            report = await reconcile_payments(deps, since=since, limit=limit)
        if not report.keeps_records:
            click.echo(f"the {report.gateway} gateway keeps no records: nothing to compare")
            return 0
        for mismatch in report.mismatches:
            click.echo(f"MISMATCH {mismatch.line()}")
        for reference in report.unreachable:
            click.echo(f"UNREACHABLE {reference}: the provider did not answer")
        click.echo(
            f"{report.gateway}: {report.orders} orders, {report.payments} payments checked, "
            f"{len(report.mismatches)} mismatches"
        )
        if report.mismatches:
            return 1
        return 2 if report.unreachable else 0

    raise SystemExit(asyncio.run(run()))


@main.group()
def inventory() -> None:
    """Stock levels and their movement ledger."""


@inventory.command("audit")
def inventory_audit() -> None:
    """Recompute every stock level from the movement ledger; exit 1 on any drift."""
    from ordergraph.db.engine import create_engine
    from ordergraph.db.queries.inventory_audit import AuditReport, audit_levels

    async def run() -> AuditReport:
        engine = create_engine(get_settings().database_url, pool_size=1)
        try:
            return await audit_levels(engine)
        finally:
            await engine.dispose()

    report = asyncio.run(run())
    if report.drift:
        click.echo(f"{'SKU':<24} {'WAREHOUSE':>9}  {'FIELD':<10} {'LEDGER':>10} {'LEVEL':>10}")
        for d in report.drift:
            click.echo(
                f"{d.sku:<24} {d.warehouse_id:>9}  {d.field:<10} {d.expected:>10} {d.actual:>10}"
            )
    drifting = len({(d.sku, d.warehouse_id) for d in report.drift})
    click.echo(
        f"levels checked: {report.levels_checked}, drifting: {drifting}, "
        f"quantities differing from the ledger: {len(report.drift)}"
    )
    raise SystemExit(1 if report.drift else 0)


@main.group("import")
def import_() -> None:
    """Import products or counted stock from a CSV file (see the README for the formats)."""


_import_options = [
    click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path)),
    click.option("--dry-run", is_flag=True, help="Check every row; write nothing."),
    click.option(
        "--errors-file",
        type=click.Path(dir_okay=False, writable=True, path_type=Path),
        help="Also write the per-row errors here as CSV (line,column,code,message).",
    ),
    click.option(
        "--batch-size",
        type=click.IntRange(1, 5000),
        default=500,
        show_default=True,
        help="Rows per transaction.",
    ),
]


def _with_import_options(command: Callable[..., None]) -> Callable[..., None]:
    for option in reversed(_import_options):
        command = option(command)
    return command


@import_.command("products")
@_with_import_options
def import_products(file: Path, dry_run: bool, errors_file: Path | None, batch_size: int) -> None:
    """Create or update products from FILE.csv (upsert by SKU). Columns:
    sku,name,price,currency[,weight_grams,allow_backorder,backorder_limit,returnable].
    Exit 0: every row imported; 1: some rows failed (the others are imported); 2: unreadable."""
    from ordergraph.domain.import_formats import PRODUCT_COLUMNS
    from ordergraph.services.catalog_import import import_products as run_import

    _run_import(file, PRODUCT_COLUMNS, run_import, dry_run, errors_file, batch_size)


@import_.command("inventory")
@_with_import_options
def import_inventory(file: Path, dry_run: bool, errors_file: Path | None, batch_size: int) -> None:
    """Set counted stock from FILE.csv through the stock ledger (a CYCLE_COUNT movement per
    changed level). Columns: sku,warehouse,on_hand[,safety_stock]; warehouse is its code.
    Exit 0: every row imported; 1: some rows failed (the others are imported); 2: unreadable."""
    from ordergraph.domain.import_formats import INVENTORY_COLUMNS
    from ordergraph.services.stock_import import import_inventory as run_import

    _run_import(file, INVENTORY_COLUMNS, run_import, dry_run, errors_file, batch_size)


def _run_import(
    file: Path,
    columns: Sequence[Column],
    use_case: ImportUseCase,
    dry_run: bool,
    errors_file: Path | None,
    batch_size: int,
) -> None:
    import time

    from ordergraph.domain.catalog_import import UnreadableFile, read_table
    from ordergraph.domain.errors import DomainError
    from ordergraph.services.catalog_import import IMPORT_ACTOR

    started = time.perf_counter()
    try:
        table = read_table(file.read_bytes().decode("utf-8-sig"), columns)
    except UnicodeDecodeError as exc:
        click.echo(f"error: {file}: not UTF-8 text ({exc.reason} at byte {exc.start})", err=True)
        raise SystemExit(2) from exc
    except (UnreadableFile, OSError) as exc:
        click.echo(f"error: {file}: {exc}", err=True)
        raise SystemExit(2) from exc

    async def run(tick: Callable[[int], None]) -> ImportReport:
        async with _deps() as deps:
            return await use_case(
                deps,
                IMPORT_ACTOR,
                table,
                dry_run=dry_run,
                batch_size=batch_size,
                progress=tick,
                source=file.name,
            )

    with click.progressbar(
        length=table.rows_read, label=f"importing {file.name}", file=sys.stderr
    ) as bar:
        try:
            report = asyncio.run(run(bar.update))
        except DomainError as exc:
            click.echo(f"error: {exc.message}", err=True)
            raise SystemExit(1) from exc
    for line in report.error_lines():
        click.echo(line)
    if errors_file is not None:
        with errors_file.open("w", encoding="utf-8", newline="") as out:
            report.write_errors(out)
    click.echo(report.summary(time.perf_counter() - started))
    raise SystemExit(report.exit_code)


@main.group()
def export() -> None:
    """Export data for finance and reporting."""


@export.command("orders")
@click.option("--since", help="Orders created at or after this ISO 8601 date or time (UTC).")
@click.option("--until", help="Orders created before this ISO 8601 date or time (UTC).")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True
)
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="A file (default: stdout)."
)
def export_orders(since: str | None, until: str | None, fmt: str, output: Path | None) -> None:
    """One row per order: number, dates, status, customer, channel and the money columns."""
    from ordergraph.db.engine import create_engine
    from ordergraph.db.queries.order_export import export_chunks
    from ordergraph.domain.order_export import ExportFormat, check_range, parse_moment

    try:
        start = parse_moment(since, "--since") if since else None
        end = parse_moment(until, "--until") if until else None
        check_range(start, end)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None

    async def run(out: TextIO) -> None:
        engine = create_engine(get_settings().database_url, pool_size=1)
        try:
            async for chunk in export_chunks(engine, ExportFormat(fmt), start, end):
                out.write(chunk)
        finally:
            await engine.dispose()

    if output is None:
        asyncio.run(run(sys.stdout))
        sys.stdout.flush()
    else:
        with output.open("w", encoding="utf-8", newline="") as out:
            asyncio.run(run(out))


@main.command()
def schema() -> None:
    """Print the GraphQL SDL."""
    from ordergraph.api import build_schema

    click.echo(build_schema().as_str())


class _deps:  # noqa: N801 - used as a context manager, reads like a function
    """Engine-backed service dependencies for one CLI command (on the system clock, or on
    ``clock``: the services and the unit of work share it)."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock

    async def __aenter__(self) -> Deps:
        from ordergraph.db.engine import create_engine
        from ordergraph.db.uow import SqlUnitOfWork
        from ordergraph.domain.clock import SystemClock

        settings = get_settings()
        self.engine = create_engine(settings.database_url, pool_size=2)
        clock = self.clock or SystemClock()
        engine = self.engine
        self.gateway = settings.payment_gateway_adapter()
        policy = settings.notification_policy()
        return Deps(
            uow=lambda: SqlUnitOfWork(engine, clock, notification_policy=policy),
            clock=clock,
            gateway=self.gateway,
        )

    async def __aexit__(self, *_exc: object) -> None:
        close_gateway = getattr(self.gateway, "aclose", None)
        if close_gateway is not None:
            await close_gateway()
        await self.engine.dispose()
