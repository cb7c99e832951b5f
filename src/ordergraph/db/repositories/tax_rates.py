"""Tax rates; a percentage is stored exactly as an integer (percent * 10 000)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.tables import tax_rates
from ordergraph.domain.errors import Duplicate
from ordergraph.domain.taxes import TaxClass, TaxRate

_E4 = Decimal(10_000)


def rate_to_e4(rate: Decimal) -> int:
    """21 → 210000; the domain allows four decimals, so this is exact."""
    return int(rate * _E4)


def rate_from_e4(value: int) -> Decimal:
    return (Decimal(value) / _E4).normalize() + 0


def _row(rate: TaxRate) -> dict[str, Any]:
    return {
        "country_code": rate.country_code,
        "region": rate.region,
        "tax_class": rate.tax_class.value,
        "rate_e4": rate_to_e4(rate.rate),
        "name": rate.name,
        "tax_shipping": rate.tax_shipping,
        "active": rate.active,
        "created_at": rate.created_at,
        "updated_at": rate.updated_at,
        "version": rate.version,
    }


def tax_rate_from_row(row: Any) -> TaxRate:
    return TaxRate(
        id=row["id"],
        country_code=row["country_code"],
        region=row["region"],
        tax_class=TaxClass(row["tax_class"]),
        rate=rate_from_e4(row["rate_e4"]),
        name=row["name"],
        tax_shipping=row["tax_shipping"],
        active=row["active"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _taken(rate: TaxRate) -> Duplicate:
    where = f"{rate.country_code}-{rate.region}" if rate.region else rate.country_code
    return Duplicate(
        f"{where} has a {rate.tax_class.value} rate named {rate.name!r} already", field=["name"]
    )


class SqlTaxRateRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, rate: TaxRate) -> TaxRate:
        try:
            rate.id = await self._conn.scalar(
                sa.insert(tax_rates).values(**_row(rate)).returning(tax_rates.c.id)
            )
        except IntegrityError as exc:
            raise _taken(rate) from exc
        return rate

    async def get(self, rate_id: int) -> TaxRate | None:
        row = (
            (await self._conn.execute(sa.select(tax_rates).where(tax_rates.c.id == rate_id)))
            .mappings()
            .first()
        )
        return tax_rate_from_row(row) if row else None

    async def update(self, rate: TaxRate, *, previous_version: int) -> bool:
        values = {k: v for k, v in _row(rate).items() if k != "created_at"}
        try:
            result = await self._conn.execute(
                sa.update(tax_rates)
                .where(tax_rates.c.id == rate.id, tax_rates.c.version == previous_version)
                .values(**values)
            )
        except IntegrityError as exc:
            raise _taken(rate) from exc
        return result.rowcount == 1

    async def list_for_country(self, country_code: str) -> list[TaxRate]:
        rows = await self._conn.execute(
            sa.select(tax_rates)
            .where(tax_rates.c.country_code == country_code)
            .order_by(tax_rates.c.id)
        )
        return [tax_rate_from_row(r) for r in rows.mappings()]
