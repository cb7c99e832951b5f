"""Fulfillments: one per warehouse an order ships from."""

from __future__ import annotations

import enum


class FulfillmentStatus(enum.StrEnum):
    PENDING = "PENDING"
    PICKING = "PICKING"
    PACKED = "PACKED"
    SHIPPED = "SHIPPED"
    CANCELLED = "CANCELLED"
