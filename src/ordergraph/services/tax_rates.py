"""Use cases for tax rates: create and update (versioned)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from ordergraph.domain.errors import NotFound, check_version
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.ports import ChangedConcurrently, UnitOfWork
from ordergraph.domain.principals import Principal, Scope
from ordergraph.domain.taxes import (
    TaxClass,
    TaxRate,
    clean_rate,
    clean_rate_name,
    clean_region,
    format_rate,
)
from ordergraph.domain.validation import clean_country
from ordergraph.services.command import in_transaction
from ordergraph.services.deps import Deps


def _event(kind: str, rate: TaxRate, actor: Principal) -> DomainEvent:
    assert rate.id is not None
    payload = {
        "countryCode": rate.country_code,
        "region": rate.region,
        "taxClass": rate.tax_class.value,
        "rate": format_rate(rate.rate),
        "name": rate.name,
        "taxShipping": rate.tax_shipping,
        "active": rate.active,
        "version": rate.version,
    }
    return DomainEvent(f"tax_rate.{kind}", "TaxRate", rate.id, payload, actor=actor.actor)


async def create_tax_rate(
    deps: Deps,
    actor: Principal,
    *,
    country_code: str,
    tax_class: TaxClass,
    rate: Decimal | str,
    name: str,
    region: str | None = None,
    tax_shipping: bool = False,
) -> TaxRate:
    """A new rate (pricing:write); ``DUPLICATE`` when the country, region and class have a
    rate of that name already (checked by the database's unique indexes)."""
    actor.require(Scope.PRICING_WRITE)
    now = deps.clock.now()
    created = TaxRate(
        id=None,
        country_code=clean_country(country_code, ["countryCode"]),
        region=clean_region(region, ["region"]),
        tax_class=tax_class,
        rate=clean_rate(rate, ["rate"]),
        name=clean_rate_name(name, ["name"]),
        tax_shipping=tax_shipping,
        created_at=now,
        updated_at=now,
    )

    async def run(uow: UnitOfWork) -> TaxRate:
        stored = await uow.tax_rates.add(replace(created))
        uow.record(_event("created", stored, actor))
        return stored

    return await in_transaction(deps, run)


async def update_tax_rate(
    deps: Deps,
    actor: Principal,
    *,
    rate_id: int,
    expected_version: int | None = None,
    rate: Decimal | str | None = None,
    name: str | None = None,
    tax_shipping: bool | None = None,
    active: bool | None = None,
) -> TaxRate:
    """Change what is given; ``CONFLICT`` on a stale version. Orders placed before keep the
    tax they were charged."""
    actor.require(Scope.PRICING_WRITE)
    new_rate = clean_rate(rate, ["rate"]) if rate is not None else None
    new_name = clean_rate_name(name, ["name"]) if name is not None else None

    async def run(uow: UnitOfWork) -> TaxRate:
        found = await uow.tax_rates.get(rate_id)
        if found is None:
            raise NotFound("no such tax rate", field=["id"])
        check_version(expected_version, found.version, "tax rate")
        previous = found.version
        if new_rate is not None:
            found.rate = new_rate
        if new_name is not None:
            found.name = new_name
        if tax_shipping is not None:
            found.tax_shipping = tax_shipping
        if active is not None:
            found.active = active
        found.version += 1
        found.updated_at = deps.clock.now()
        if not await uow.tax_rates.update(found, previous_version=previous):
            raise ChangedConcurrently("tax rate changed concurrently")
        uow.record(_event("updated", found, actor))
        return found

    return await in_transaction(deps, run)
