"""CSV imports: reading the file, checking rows with the catalog's rules, the report."""

from __future__ import annotations

import dataclasses
import io
from decimal import Decimal

import pytest

from ordergraph.domain.catalog import Product
from ordergraph.domain.catalog_import import (
    CsvRow,
    ImportReport,
    RowError,
    RowProblem,
    UnreadableFile,
    parse_cells,
    read_table,
)
from ordergraph.domain.clock import FixedClock
from ordergraph.domain.errors import Forbidden, InvalidInput
from ordergraph.domain.import_formats import (
    INVENTORY_COLUMNS,
    PRODUCT_COLUMNS,
    columns_help,
    product_from_cells,
)
from ordergraph.domain.money import Money
from ordergraph.domain.ports import ChangedConcurrently
from ordergraph.domain.principals import Principal, Role, scopes_for
from ordergraph.services.catalog_import import IMPORT_ACTOR, import_products
from ordergraph.services.deps import Deps
from tests.unit.fakes import DEFAULT_NOW, FakeStore, fake_deps

HEADER = "sku,name,price,currency,weight_grams,allow_backorder,backorder_limit,returnable\n"
VIEWER = Principal(role=Role.STAFF, scopes=scopes_for(Role.STAFF, None), name="viewer", token_id=2)


def products_table(body: str, header: str = HEADER) -> list[CsvRow]:
    return read_table(header + body, PRODUCT_COLUMNS).rows


def cells(line: str, header: str = HEADER) -> dict[str, object]:
    [row] = products_table(line + "\n", header)
    return parse_cells(row, PRODUCT_COLUMNS)


def problem(line: str, existing: Product | None = None) -> tuple[str | None, str]:
    with pytest.raises(RowProblem) as caught:
        product_from_cells(cells(line), existing, DEFAULT_NOW)
    return caught.value.column, caught.value.code


def stored(sku: str = "TEE-1", **changes: object) -> Product:
    product = Product.create(
        sku=sku,
        name="Tee",
        price=Money(1990, "EUR"),
        weight_grams=180,
        allow_backorder=False,
        now=DEFAULT_NOW,
    )
    product.id = 7
    for name, value in changes.items():
        setattr(product, name, value)
    return product


# ---- reading the file ----


def test_a_table_keeps_each_rows_line_and_leaves_blank_cells_out() -> None:
    table = read_table(
        HEADER + "A,Alpha,1.50,EUR,,,,\n\nB,Beta,2,EUR,10,yes,5,no\n", PRODUCT_COLUMNS
    )
    assert [(r.line, r.cells) for r in table.rows] == [
        (2, {"sku": "A", "name": "Alpha", "price": "1.50", "currency": "EUR"}),
        (
            4,
            {
                "sku": "B",
                "name": "Beta",
                "price": "2",
                "currency": "EUR",
                "weight_grams": "10",
                "allow_backorder": "yes",
                "backorder_limit": "5",
                "returnable": "no",
            },
        ),
    ]
    assert table.rows_read == 2


def test_a_quoted_cell_over_two_lines_gives_the_next_row_the_right_line_number() -> None:
    table = read_table(
        'sku,name,price,currency\nA,"two\nlines",1,EUR\nB,Beta,1,EUR\n', PRODUCT_COLUMNS
    )
    assert [r.line for r in table.rows] == [2, 4]


def test_optional_columns_may_be_left_out_and_come_in_any_order() -> None:
    table = read_table("Currency,price,SKU,name\nEUR,3,A,Alpha\n", PRODUCT_COLUMNS)
    assert table.rows[0].cells == {"currency": "EUR", "price": "3", "sku": "A", "name": "Alpha"}


def test_a_row_with_the_wrong_number_of_cells_is_a_row_error_not_a_broken_file() -> None:
    table = read_table(HEADER + "A,Alpha,1\nB,Beta,2,EUR,,,,\n", PRODUCT_COLUMNS)
    assert table.errors == [RowError(2, None, "has 3 cells, the header has 8", "INVALID")]
    assert [r.line for r in table.rows] == [3]
    assert table.rows_read == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("sku,name,price\n", "lacks the required column(s): currency"),
        ("sku,name,price,currency,colour\n", "unknown column 'colour'"),
        ("sku,name,price,currency,name\n", "column 'name' appears twice"),
        ('sku,name,price,currency\nA,"open,1,EUR\n', "not a readable CSV file"),
    ],
)
def test_a_file_whose_header_does_not_fit_cannot_be_read(text: str, message: str) -> None:
    with pytest.raises(UnreadableFile, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_table(text, PRODUCT_COLUMNS)


def test_the_format_reads_as_one_line() -> None:
    assert columns_help(PRODUCT_COLUMNS) == (
        "sku,name,price,currency[,weight_grams,allow_backorder,backorder_limit,returnable]"
    )
    assert columns_help(INVENTORY_COLUMNS) == "sku,warehouse,on_hand[,safety_stock]"


# ---- checking a product row ----


def test_cells_are_typed_before_the_catalog_rules_apply() -> None:
    assert cells("A,Alpha,1.50,EUR,100,Yes,3,0") == {
        "sku": "A",
        "name": "Alpha",
        "price": Decimal("1.50"),
        "currency": "EUR",
        "weight_grams": 100,
        "allow_backorder": True,
        "backorder_limit": 3,
        "returnable": False,
    }


@pytest.mark.parametrize(
    ("line", "column", "code"),
    [
        (",Alpha,1,EUR,,,,", "sku", "REQUIRED"),
        ("A,,1,EUR,,,,", "name", "REQUIRED"),
        ("A,Alpha,cheap,EUR,,,,", "price", "INVALID"),
        ("A,Alpha,1,EUR,heavy,,,", "weight_grams", "INVALID"),
        ("A,Alpha,1,EUR,,maybe,,", "allow_backorder", "INVALID"),
        ("A,Alpha,1,EUR,,,,sometimes", "returnable", "INVALID"),
    ],
)
def test_a_cell_of_the_wrong_type_names_its_column(line: str, column: str, code: str) -> None:
    [row] = products_table(line + "\n")
    with pytest.raises(RowProblem) as caught:
        parse_cells(row, PRODUCT_COLUMNS)
    assert (caught.value.column, caught.value.code) == (column, code)


@pytest.mark.parametrize(
    ("line", "column", "code"),
    [
        ("bad sku!,Alpha,1,EUR,,,,", "sku", "INVALID"),
        ("A," + "n" * 201 + ",1,EUR,,,,", "name", "TOO_LONG"),
        ("A,Al\x07pha,1,EUR,,,,", "name", "INVALID_CHARACTERS"),
        ("A,Alpha,-1,EUR,,,,", "price", "INVALID"),
        ("A,Alpha,1.999,EUR,,,,", "price", "INVALID_AMOUNT"),
        ("A,Alpha,1,EURO,,,,", "currency", "INVALID_CURRENCY"),
        ("A,Alpha,1,EUR,-5,,,", "weight_grams", "INVALID"),
        ("A,Alpha,1,EUR,,false,3,", "backorder_limit", "INVALID"),
        ("A,Alpha,1,EUR,,true,2000000,", "backorder_limit", "INVALID"),
    ],
)
def test_a_row_is_held_to_create_products_rules(line: str, column: str, code: str) -> None:
    assert problem(line) == (column, code)


def test_a_new_product_gets_create_products_defaults_for_the_cells_left_out() -> None:
    product, outcome, changed = product_from_cells(
        cells("A,Alpha,1.50,EUR,,true,,"), None, DEFAULT_NOW
    )
    assert (outcome, changed, product.version) == ("created", [], 1)
    assert (product.sku, product.name, product.price, product.weight_grams) == (
        "A",
        "Alpha",
        Money(150, "EUR"),
        0,
    )
    assert (product.allow_backorder, product.backorder_limit, product.returnable) == (
        True,
        100,
        True,
    )


def test_an_existing_product_keeps_what_the_row_leaves_out_and_takes_what_it_gives() -> None:
    existing = stored(returnable=False, attributes={"size": "M"})
    product, outcome, changed = product_from_cells(
        cells("TEE-1,Tee (new),21.00,EUR,,,,"), existing, DEFAULT_NOW
    )
    assert (outcome, changed) == ("updated", ["name", "price"])
    assert (existing.version, product.version) == (1, 2)  # updateProduct's rule: a new version
    assert existing.name == "Tee"  # the stored object is left as it was read
    assert product.attributes == {"size": "M"}
    assert (product.id, product.name, product.price) == (7, "Tee (new)", Money(2100, "EUR"))
    assert (product.weight_grams, product.returnable, product.created_at) == (
        180,
        False,
        DEFAULT_NOW,
    )


def test_a_row_equal_to_the_stored_product_is_unchanged() -> None:
    existing = stored()
    product, outcome, changed = product_from_cells(
        cells("TEE-1,Tee,19.90,EUR,180,false,0,true"), existing, DEFAULT_NOW
    )
    assert (product, outcome, changed) == (existing, "unchanged", [])


def test_backorder_settings_of_an_existing_product_are_not_changed_by_an_import() -> None:
    assert problem("TEE-1,Tee,19.90,EUR,,true,,", stored()) == ("allow_backorder", "NOT_CHANGEABLE")


# ---- the report ----


def test_the_report_counts_failed_rows_once_and_writes_its_errors_as_csv() -> None:
    report = ImportReport("products", dry_run=False, rows_read=3, created=1)
    report.errors += [RowError(3, "price", "is not a decimal number", "INVALID")]
    report.errors += [RowError(2, None, "has 3 cells, the header has 4", "INVALID")]
    assert report.failed == 2
    assert report.exit_code == 1
    assert report.error_lines() == [
        "line 2: has 3 cells, the header has 4 (INVALID)",
        "line 3, column price: is not a decimal number (INVALID)",
    ]
    out = io.StringIO()
    report.write_errors(out)
    assert out.getvalue() == (
        "line,column,code,message\n"
        '2,,INVALID,"has 3 cells, the header has 4"\n'
        "3,price,INVALID,is not a decimal number\n"
    )
    assert report.summary(1.234) == (
        "products: 3 rows read, 1 created, 0 updated, 0 unchanged, 2 failed in 1.23 s"
    )


def test_a_long_error_list_is_cut_short_on_screen() -> None:
    report = ImportReport("inventory", dry_run=True, rows_read=60)
    report.errors += [
        RowError(n, "sku", "no product has this SKU", "NOT_FOUND") for n in range(2, 62)
    ]
    lines = report.error_lines(limit=50)
    assert len(lines) == 51
    assert lines[-1] == "… and 10 more errors (--errors-file keeps them all)"
    assert report.summary(0).startswith("inventory: dry run, nothing written: 60 rows read")


# ---- the use case, on the fakes ----


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def deps(store: FakeStore) -> Deps:
    return fake_deps(store, FixedClock(DEFAULT_NOW))


async def test_importing_products_creates_updates_and_reports_the_bad_rows(
    deps: Deps, store: FakeStore
) -> None:
    first = read_table(HEADER + "A,Alpha,1,EUR,,,,\nB,Beta,2,EUR,,,,\n", PRODUCT_COLUMNS)
    await import_products(deps, IMPORT_ACTOR, first)
    second = read_table(
        HEADER
        + "A,Alpha,1,EUR,,,,\nB,Beta v2,2,EUR,,,,\nC,Gamma,x,EUR,,,,\n"
        + "D,Delta,4,EUR,,,,\nD,Again,4,EUR,,,,\n",
        PRODUCT_COLUMNS,
    )
    ticks: list[int] = []
    report = await import_products(deps, IMPORT_ACTOR, second, batch_size=2, progress=ticks.append)
    assert (report.rows_read, report.created, report.updated, report.unchanged) == (5, 1, 1, 1)
    assert [(e.line, e.column, e.code) for e in report.sorted_errors()] == [
        (4, "price", "INVALID"),
        (6, "sku", "DUPLICATE"),
    ]
    assert sum(ticks) == 5
    assert {p.sku: (p.name, p.version) for p in store.products} == {
        "A": ("Alpha", 1),
        "B": ("Beta v2", 2),
        "D": ("Delta", 1),
    }
    events = [(e.type, e.payload["sku"], e.actor) for e in store.outbox]
    assert events == [
        ("product.created", "A", "admin:import"),
        ("product.created", "B", "admin:import"),
        ("product.updated", "B", "admin:import"),
        ("product.created", "D", "admin:import"),
    ]
    assert store.outbox[2].payload == {
        "sku": "B",
        "status": "ACTIVE",
        "version": 2,
        "changed": ["name"],
    }


async def test_the_fake_bulk_upsert_refuses_a_stale_version_like_the_sql_one(
    deps: Deps, store: FakeStore
) -> None:
    await import_products(
        deps, IMPORT_ACTOR, read_table(HEADER + "A,Alpha,1,EUR,,,,\n", PRODUCT_COLUMNS)
    )
    async with deps.uow() as uow:
        read = await uow.products.get_many(["A"])
        read["A"].update(now=DEFAULT_NOW, name="Changed elsewhere")
        await uow.products.upsert_many([read["A"]])  # version 2
        stale = dataclasses.replace(read["A"], version=2, name="Stale")
        with pytest.raises(ChangedConcurrently):
            await uow.products.upsert_many([stale])


async def test_a_dry_run_reports_the_same_and_writes_nothing(deps: Deps, store: FakeStore) -> None:
    table = read_table(HEADER + "A,Alpha,1,EUR,,,,\nC,Gamma,x,EUR,,,,\n", PRODUCT_COLUMNS)
    report = await import_products(deps, IMPORT_ACTOR, table, dry_run=True)
    assert (report.created, report.failed, report.dry_run) == (1, 1, True)
    assert store.products == []
    assert store.outbox == []


async def test_importing_products_needs_catalog_write(deps: Deps) -> None:
    table = read_table(HEADER, PRODUCT_COLUMNS)
    with pytest.raises(Forbidden):
        await import_products(deps, VIEWER, table)
    with pytest.raises(InvalidInput):
        await import_products(deps, IMPORT_ACTOR, table, batch_size=0)
