"""Mail templates: every notification type in English and Dutch, escaping, locale fallback,
Babel formats, the customer's time zone and a merchant's override folder."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ordergraph.domain.notifications import NotificationType
from ordergraph.mail.render import TemplateRenderer
from tests.support.mail_context import (
    ACTION_URL,
    FEEDBACK_URL,
    INVOICE_URL,
    LABEL_URL,
    ORDER_NUMBER,
    TRACKING_LINK,
    eur,
    full_context,
)

renderer = TemplateRenderer()

LINKS: dict[NotificationType, str] = {
    NotificationType.ORDER_SHIPPED: TRACKING_LINK,
    NotificationType.OUT_FOR_DELIVERY: TRACKING_LINK,
    NotificationType.ORDER_DELIVERED: FEEDBACK_URL,
    NotificationType.RETURN_APPROVED: LABEL_URL,
    NotificationType.EMAIL_VERIFICATION: ACTION_URL,
    NotificationType.PASSWORD_RESET: ACTION_URL,
    NotificationType.DRAFT_ORDER_INVOICE: INVOICE_URL,
}
WITHOUT_ORDER = {NotificationType.EMAIL_VERIFICATION, NotificationType.PASSWORD_RESET}


def test_the_package_has_english_and_dutch() -> None:
    assert renderer.locales == ("en", "nl")


@pytest.mark.parametrize("locale", ["en", "nl"])
@pytest.mark.parametrize("type", list(NotificationType))
def test_every_type_renders_in_both_locales_with_the_order_and_its_links(
    type: NotificationType, locale: str
) -> None:
    message = renderer.render(type, full_context(), locale=locale, timezone="Europe/Brussels")
    assert message.subject.strip()
    assert "\n" not in message.subject
    assert message.html.startswith("<!DOCTYPE html>")
    assert f'lang="{locale}"' in message.html
    if type not in WITHOUT_ORDER:
        assert ORDER_NUMBER in message.text
        assert ORDER_NUMBER in message.html
    if type in LINKS:
        assert LINKS[type] in message.text
        assert f'href="{LINKS[type]}"' in message.html
    assert "{{" not in message.text
    assert "{%" not in message.html


def test_english_and_dutch_say_different_things() -> None:
    context = full_context()
    en = renderer.render("ORDER_SHIPPED", context, locale="en", timezone=None)
    nl = renderer.render("ORDER_SHIPPED", context, locale="nl", timezone=None)
    assert en.subject == f"Your order {ORDER_NUMBER} is on its way"
    assert nl.subject == f"Je bestelling {ORDER_NUMBER} is onderweg"
    assert "Volg je pakket" in nl.html
    assert "Track your parcel" in en.html


def test_a_customer_name_with_markup_is_escaped_in_html_but_kept_in_text() -> None:
    context = full_context(customer={"name": "<script>alert(1)</script>"})
    message = renderer.render("ORDER_CONFIRMED", context, locale="en", timezone=None)
    assert "<script>" not in message.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in message.html
    assert "<script>alert(1)</script>" in message.text


@pytest.mark.parametrize(
    ("requested", "chosen"),
    [("nl", "nl"), ("nl-BE", "nl"), ("nl_BE", "nl"), ("en-GB", "en"), ("xx", "en"), (None, "en")],
)
def test_a_locale_falls_back_to_its_language_then_to_english(
    requested: str | None, chosen: str
) -> None:
    assert renderer.template_locale(requested) == chosen
    message = renderer.render("ORDER_SHIPPED", full_context(), locale=requested, timezone=None)
    assert message.subject.startswith("Je bestelling" if chosen == "nl" else "Your order")


def test_money_is_formatted_in_the_customer_locale() -> None:
    context = full_context(refund={"amount": eur(1999), "reason": None})
    en = renderer.render("REFUND_ISSUED", context, locale="en", timezone=None)
    nl = renderer.render("REFUND_ISSUED", context, locale="nl", timezone=None)
    assert "€19.99" in en.subject
    assert "€19.99" in en.text
    assert "€\xa019,99" in nl.subject
    assert "€\xa019,99" in nl.text


def test_dates_are_formatted_in_the_locale_and_shown_in_the_customer_time_zone() -> None:
    # 23:30 UTC on 1 December is already 2 December in Amsterdam, still 1 December in New York
    context = full_context()
    amsterdam = renderer.render(
        "ORDER_CONFIRMED", context, locale="en", timezone="Europe/Amsterdam"
    )
    new_york = renderer.render("ORDER_CONFIRMED", context, locale="en", timezone="America/New_York")
    utc = renderer.render("ORDER_CONFIRMED", context, locale="en", timezone=None)
    dutch = renderer.render("ORDER_CONFIRMED", context, locale="nl", timezone="Europe/Amsterdam")
    assert "placed on December 2, 2026" in amsterdam.text
    assert "placed on December 1, 2026" in new_york.text
    assert "placed on December 1, 2026" in utc.text
    assert "geplaatst op 2 december 2026" in dutch.text


def test_a_delivery_time_is_shown_in_local_time() -> None:
    delivered = full_context()
    delivered["shipment"]["delivered_at"] = datetime(2026, 12, 3, 9, 15, tzinfo=UTC)
    en = renderer.render("ORDER_DELIVERED", delivered, locale="en", timezone="Europe/Amsterdam")
    nl = renderer.render("ORDER_DELIVERED", delivered, locale="nl", timezone="Europe/Amsterdam")
    assert "December 3, 2026" in en.text
    assert "10:15\u202fAM" in en.text
    assert "3 december 2026" in nl.text
    assert "10:15" in nl.text


def test_an_unknown_time_zone_shows_utc() -> None:
    message = renderer.render(
        "ORDER_CONFIRMED", full_context(), locale="en", timezone="Mars/Olympus"
    )
    assert "placed on December 1, 2026" in message.text


def test_the_override_folder_wins_for_one_template_and_the_rest_comes_from_the_package(
    tmp_path: Path,
) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "ORDER_SHIPPED.subject.txt").write_text(
        "{{ shop.name }}: parcel {{ order.number }} left the warehouse\n"
    )
    custom = TemplateRenderer(tmp_path)
    shipped = custom.render("ORDER_SHIPPED", full_context(), locale="en", timezone=None)
    assert shipped.subject == f"Fietsenwinkel: parcel {ORDER_NUMBER} left the warehouse"
    assert TRACKING_LINK in shipped.text
    assert "Track your parcel" in shipped.html
    delivered = custom.render("ORDER_DELIVERED", full_context(), locale="en", timezone=None)
    assert (
        delivered.subject
        == renderer.render("ORDER_DELIVERED", full_context(), locale="en", timezone=None).subject
    )
    dutch = custom.render("ORDER_SHIPPED", full_context(), locale="nl", timezone=None)
    assert dutch.subject.startswith("Je bestelling")


def test_an_override_folder_can_add_a_locale_that_falls_back_per_template(tmp_path: Path) -> None:
    (tmp_path / "de").mkdir()
    (tmp_path / "de" / "ORDER_SHIPPED.subject.txt").write_text("Bestellung {{ order.number }}\n")
    custom = TemplateRenderer(tmp_path)
    assert custom.locales == ("en", "de", "nl")
    message = custom.render("ORDER_SHIPPED", full_context(), locale="de-AT", timezone=None)
    assert message.subject == f"Bestellung {ORDER_NUMBER}"
    assert "Track your parcel" in message.html


@pytest.mark.parametrize("locale", ["en", "nl"])
@pytest.mark.parametrize("type", list(NotificationType))
def test_an_empty_context_does_not_crash(type: NotificationType, locale: str) -> None:
    message = renderer.render(type, {}, locale=locale, timezone=None)
    assert message.subject.strip()
    assert message.text.strip()
    assert "<body" in message.html
    assert "None" not in message.text
    assert "Undefined" not in message.text


def test_missing_optional_keys_leave_out_their_sentences() -> None:
    context = full_context(
        order={"number": ORDER_NUMBER, "lines": [{"sku": "BELL-1", "quantity": 1}]},
        shipment={"carrier": None, "tracking_number": None},
        cancellation={"full": True, "refund": None},
    )
    shipped = renderer.render("ORDER_SHIPPED", context, locale="en", timezone=None)
    assert "Tracking number" not in shipped.text
    assert "Track your parcel" not in shipped.html
    assert "BELL-1" in shipped.text
    cancelled = renderer.render("ORDER_CANCELLED", context, locale="en", timezone=None)
    assert cancelled.subject == f"Your order {ORDER_NUMBER} was cancelled"
    assert "refund" not in cancelled.text.lower()


def test_a_partial_cancellation_lists_the_cancelled_lines() -> None:
    message = renderer.render("ORDER_CANCELLED", full_context(), locale="nl", timezone=None)
    assert message.subject == f"Een deel van je bestelling {ORDER_NUMBER} is geannuleerd"
    assert "1 x Bike bell" in message.text
    assert "€\xa09,99" in message.text


def test_return_instructions_and_label_are_shown() -> None:
    message = renderer.render("RETURN_APPROVED", full_context(), locale="en", timezone=None)
    assert "Drop it at any PostNL point." in message.text
    assert "Drop it at any PostNL point." in message.html
    assert "Arrived broken" in message.html
