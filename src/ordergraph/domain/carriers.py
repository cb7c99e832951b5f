"""Carriers and their tracking URL templates; custom carriers pass their own URL."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from ordergraph.domain.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Carrier:
    code: str
    name: str
    tracking_url: str  # with {tracking}

    def url_for(self, tracking_number: str) -> str:
        return self.tracking_url.format(tracking=quote(tracking_number, safe=""))


CARRIERS: dict[str, Carrier] = {
    c.code: c
    for c in (
        Carrier(
            "DHL", "DHL", "https://www.dhl.com/global-en/home/tracking.html?tracking-id={tracking}"
        ),
        Carrier("UPS", "UPS", "https://www.ups.com/track?tracknum={tracking}"),
        Carrier("FEDEX", "FedEx", "https://www.fedex.com/fedextrack/?trknbr={tracking}"),
        Carrier("USPS", "USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels={tracking}"),
        Carrier(
            "ROYAL_MAIL",
            "Royal Mail",
            "https://www.royalmail.com/track-your-item#/tracking-results/{tracking}",
        ),
        Carrier("DPD", "DPD", "https://tracking.dpd.de/status/en_US/parcel/{tracking}"),
        Carrier("GLS", "GLS", "https://gls-group.com/track/{tracking}"),
        Carrier("POSTNL", "PostNL", "https://jouw.postnl.nl/track-and-trace/{tracking}"),
    )
}


def resolve_carrier(
    code: str, tracking_number: str, custom_url: str | None
) -> tuple[str, str, str | None]:
    """(code, display name, tracking URL): a registry carrier's URL comes from its template;
    a custom carrier's from ``custom_url`` (or none)."""
    normalized = code.strip().upper().replace(" ", "_").replace("-", "_")
    if not normalized:
        raise InvalidInput("is required", field=["carrier"], code="REQUIRED")
    if len(normalized) > 32:
        raise InvalidInput("must be at most 32 characters", field=["carrier"], code="TOO_LONG")
    if custom_url is not None:
        if not custom_url.startswith(("https://", "http://")) or len(custom_url) > 500:
            raise InvalidInput("must be an http(s) URL", field=["trackingUrl"], code="INVALID")
        known = CARRIERS.get(normalized)
        return normalized, known.name if known else code.strip(), custom_url
    known = CARRIERS.get(normalized)
    if known is None:
        return normalized, code.strip(), None
    return known.code, known.name, known.url_for(tracking_number)
