"""The packing slip renderer alone: pure, given a slip; read back with PDFium."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from ordergraph.documents import render_packing_slip
from ordergraph.documents.packing_slip import code39_text, latin1
from ordergraph.domain.customers import Address
from ordergraph.domain.fulfillments import FulfillmentStatus
from ordergraph.domain.packing_slips import PackingSlip, PackingSlipLine, fulfillment_number
from tests.support.pdf import read_pdf, save_png, scan_code39

SLIP = PackingSlip(
    fulfillment_id=7,
    status=FulfillmentStatus.PICKING,
    position=1,
    fulfillment_count=1,
    order_number="OG-100042",
    order_date=datetime(2026, 12, 3, 9, 30, tzinfo=UTC),
    ship_to=Address(
        name="Ada Lovelace",
        line1="1 Analytical Way",
        line2=None,
        city="London",
        region="EU-WEST",
        postal_code="N1 9GU",
        country_code="GB",
        phone="+44 20 7946 0000",
    ),
    warehouse_code="LON-1",
    warehouse_name="London",
    lines=(PackingSlipLine("TEE-RED-M", "Tee, red, M", 2, 0),),
)


def render(slip: PackingSlip) -> bytes:
    return render_packing_slip(slip, shop_name="Unit Shop", reference="RnVsZmlsbG1lbnQ6Nw")


def test_a_fulfillment_is_numbered_after_its_order_and_its_place_in_it() -> None:
    assert fulfillment_number("OG-100042", 2) == "OG-100042-F2"
    assert SLIP.number == "OG-100042-F1"
    assert SLIP.split_note is None
    assert replace(SLIP, position=2, fulfillment_count=3).split_note == (
        "Partial shipment: fulfillment 2 of 3 for order OG-100042. The other items ship separately."
    )
    assert PackingSlipLine("A", "a", 5, 2).to_pack == 3


def test_the_same_slip_draws_the_same_page(tmp_path: Path) -> None:
    (first,) = read_pdf(render(SLIP))
    (second,) = read_pdf(render(SLIP))

    assert first.text == second.text
    assert first.image.tobytes() == second.image.tobytes()
    assert "Phone: +44 20 7946 0000" in first.text
    assert "United Kingdom (GB)" in first.text
    assert scan_code39(first).text == "OG-100042-F1"
    save_png(first, tmp_path / "unit-slip.png")


def test_a_long_fulfillment_runs_over_pages_with_the_headings_and_page_count_on_each() -> None:
    lines = tuple(PackingSlipLine(f"SKU-{i:03}", f"Item number {i}", 1, 0) for i in range(120))

    pages = read_pdf(render(replace(SLIP, lines=lines)))

    assert len(pages) >= 3
    for index, page in enumerate(pages, start=1):
        assert f"page {index} of {len(pages)}" in page.text
        assert "SKU Item Qty Shipped To pack Packed" in page.text
    text = "".join(page.text for page in pages)
    assert all(f"SKU-{i:03}" in text for i in range(120))
    assert "120 units to pack on 120 lines" in pages[-1].text
    assert "Packed by:" in pages[-1].text


def test_a_pick_location_gets_its_own_column_only_when_a_line_has_one() -> None:
    located = replace(
        SLIP,
        lines=(
            PackingSlipLine("TEE-RED-M", "Tee, red, M", 2, 0, location="A-03-2"),
            PackingSlipLine("CAP-BLK", "Cap", 1, 0),
        ),
    )

    (page,) = read_pdf(render(located))

    assert "SKU Item Location Qty" in page.text
    assert "A-03-2" in page.text
    assert "Location" not in read_pdf(render(SLIP))[0].text


def test_names_outside_latin_1_are_folded_never_a_failed_render() -> None:
    assert latin1("Łódź Zoë") == "Lódz Zoë"
    assert latin1("東京\x00") == "???"
    foreign = replace(
        SLIP,
        ship_to=replace(SLIP.ship_to, name="Łukasz Żółć", city="Kraków"),
        lines=(PackingSlipLine("MUG-1", "Кружка ☕", 1, 0),),
    )

    (page,) = read_pdf(render(foreign))

    assert "Lukasz Zólc" in page.text
    assert "Kraków" in page.text


def test_a_number_code_39_cannot_carry_is_still_drawn() -> None:
    assert code39_text("og_1#2") == "OG-1-2"
    (page,) = read_pdf(render(replace(SLIP, order_number="og_1")))

    assert scan_code39(page).text == "OG-1-F1"
