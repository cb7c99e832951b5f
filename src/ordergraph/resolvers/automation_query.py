"""Reading automation rules (a page at a time)."""

from __future__ import annotations

import sqlalchemy as sa
import strawberry

from ordergraph.db.repositories.automation import rule_from_row
from ordergraph.db.tables import automation_rules
from ordergraph.domain.principals import Scope
from ordergraph.schema.context import Info, require
from ordergraph.schema.pagination import Connection, paginate
from ordergraph.schema.types.automation_rule import AutomationRuleType


@strawberry.type
class AutomationQuery:
    @strawberry.field(description="Automation rules, oldest first (needs orders:read).")
    async def automation_rules(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        enabled: bool | None = None,
    ) -> Connection[AutomationRuleType]:
        require(info, Scope.ORDERS_READ)
        stmt = sa.select(automation_rules)
        if enabled is not None:
            stmt = stmt.where(automation_rules.c.enabled.is_(enabled))
        return await paginate(
            info,
            (stmt, [automation_rules.c.id]),
            first=first,
            after=after,
            last=None,
            before=None,
            to_node=lambda row: AutomationRuleType.from_domain(rule_from_row(row)),
        )
