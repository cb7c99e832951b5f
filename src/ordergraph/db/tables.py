"""The schema as SQLAlchemy Core tables. Migrations create it; this module describes it."""

from __future__ import annotations

import sqlalchemy as sa

from ordergraph.db.types import BigId, Json, UTCDateTime

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _id() -> sa.Column[int]:
    return sa.Column("id", BigId, primary_key=True, autoincrement=True)


warehouses = sa.Table(
    "warehouses",
    metadata,
    _id(),
    sa.Column("code", sa.String(32), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("region", sa.String(32), nullable=False),
    sa.Column("country_code", sa.String(2), nullable=False),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    # inactive: routing skips it for new orders; its open work and stock stay visible
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("deactivated_at", UTCDateTime),
)

products = sa.Table(
    "products",
    metadata,
    _id(),
    sa.Column("sku", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("price_minor", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("weight_grams", sa.Integer, nullable=False, server_default="0"),
    sa.Column("allow_backorder", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("backorder_limit", sa.Integer, nullable=False, server_default="0"),
    sa.Column("returnable", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("status", sa.String(16), nullable=False, server_default="ACTIVE"),
    sa.Column("archived_at", UTCDateTime),
    sa.Column("attributes", Json),  # {"size": "M", "colour": "red"}
    sa.Column("group_handle", sa.String(64)),  # variants of one product share it
    sa.Column("tax_class", sa.String(16), nullable=False, server_default="STANDARD"),
    sa.Column("metadata", Json),  # {"key": "value"} (domain/annotations.py)
    sa.Column("private_metadata", Json),  # staff only
    sa.CheckConstraint("price_minor >= 0", name="price_not_negative"),
    sa.CheckConstraint("status IN ('ACTIVE', 'DRAFT', 'ARCHIVED')", name="status_known"),
    sa.Index("ix_products_group_handle", "group_handle"),
    sa.Index("ix_products_status", "status", "id"),
    sa.CheckConstraint("backorder_limit >= 0", name="backorder_limit_not_negative"),
)

inventory_levels = sa.Table(
    "inventory_levels",
    metadata,
    sa.Column("sku", sa.String(64), sa.ForeignKey("products.sku"), primary_key=True),
    sa.Column("warehouse_id", BigId, sa.ForeignKey("warehouses.id"), primary_key=True),
    sa.Column("on_hand", sa.Integer, nullable=False, server_default="0"),
    sa.Column("reserved", sa.Integer, nullable=False, server_default="0"),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    # copied from the product, so the database itself refuses a reservation past the floor
    sa.Column("backorder_limit", sa.Integer, nullable=False, server_default="0"),
    # held back from sale; units sent here by a transfer; units expected from a supplier
    sa.Column("safety_stock", sa.Integer, nullable=False, server_default="0"),
    sa.Column("in_transit", sa.Integer, nullable=False, server_default="0"),
    sa.Column("incoming", sa.Integer, nullable=False, server_default="0"),
    sa.Column("low_stock_threshold", sa.Integer),
    sa.CheckConstraint(
        "reserved >= 0 AND reserved <= on_hand + backorder_limit", name="reserved_within_stock"
    ),
    sa.CheckConstraint("on_hand >= 0 AND backorder_limit >= 0", name="on_hand_not_negative"),
    sa.CheckConstraint(
        "safety_stock >= 0 AND in_transit >= 0 AND incoming >= 0 "
        "AND (low_stock_threshold IS NULL OR low_stock_threshold >= 0)",
        name="ledger_quantities_not_negative",
    ),
    sa.Index("ix_inventory_levels_warehouse_id", "warehouse_id", "sku"),
)

inventory_movements = sa.Table(
    "inventory_movements",
    metadata,
    _id(),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("warehouse_id", BigId, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    # one row per level field changed: ON_HAND, RESERVED, IN_TRANSIT or INCOMING
    sa.Column("field", sa.String(16), nullable=False),
    sa.Column("delta", sa.Integer, nullable=False),
    sa.Column("note", sa.String(500)),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("reference", sa.String(200)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.ForeignKeyConstraint(
        ["sku", "warehouse_id"],
        ["inventory_levels.sku", "inventory_levels.warehouse_id"],
        name="fk_inventory_movements_level",
    ),
    sa.Index("ix_inventory_movements_level", "sku", "warehouse_id", "id"),
    sa.Index("ix_inventory_movements_created_at", "created_at", "id"),
)

customers = sa.Table(
    "customers",
    metadata,
    _id(),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("phone", sa.String(32)),
    sa.Column("password_hash", sa.String(200)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("erased_at", UTCDateTime),  # GDPR erasure: the person is anonymized
    sa.Column("locale", sa.String(16)),
    sa.Column("timezone", sa.String(64)),
    sa.Column("email_verified_at", UTCDateTime),  # set by verifyCustomerEmail (or a reset)
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("customer_group", sa.String(32)),  # a handle such as "wholesale", for price lists
    sa.Column("tags", Json),  # staff labels (domain/annotations.py)
    sa.Column("metadata", Json),
    sa.Column("private_metadata", Json),  # staff only
    # GIN on PostgreSQL for the customers filter (tags @> [..], metadata @> {..} / ? key)
    sa.Index(
        "ix_customers_tags",
        "tags",
        postgresql_using="gin",
        postgresql_ops={"tags": "jsonb_path_ops"},
    ),
    sa.Index("ix_customers_metadata", "metadata", postgresql_using="gin"),
)

# One-time links mailed to a customer (VERIFY_EMAIL, RESET_PASSWORD): only the SHA-256 digest
# of the token is kept; ``used_at`` makes each single-use.
customer_tokens = sa.Table(
    "customer_tokens",
    metadata,
    _id(),
    sa.Column("customer_id", BigId, sa.ForeignKey("customers.id"), nullable=False, index=True),
    sa.Column("purpose", sa.String(16), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("used_at", UTCDateTime),
)

addresses = sa.Table(
    "addresses",
    metadata,
    _id(),
    sa.Column("customer_id", BigId, sa.ForeignKey("customers.id"), nullable=False, index=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("line1", sa.String(200), nullable=False),
    sa.Column("line2", sa.String(200)),
    sa.Column("city", sa.String(100), nullable=False),
    sa.Column("region", sa.String(32)),
    sa.Column("postal_code", sa.String(20)),
    sa.Column("country_code", sa.String(2), nullable=False),
    sa.Column("phone", sa.String(32)),
    sa.Column("is_default", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

orders = sa.Table(
    "orders",
    metadata,
    _id(),
    sa.Column("number", sa.String(32), nullable=False, unique=True),
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("payment_status", sa.String(24), nullable=False),
    sa.Column("channel", sa.String(24), nullable=False),
    sa.Column("customer_id", BigId, sa.ForeignKey("customers.id"), index=True),
    sa.Column("email", sa.String(254)),
    sa.Column("contact_name", sa.String(200)),
    sa.Column("phone", sa.String(32)),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("subtotal_minor", sa.BigInteger, nullable=False),
    sa.Column("shipping_minor", sa.BigInteger, nullable=False),
    sa.Column("total_minor", sa.BigInteger, nullable=False),
    sa.Column("shipping_address", Json, nullable=False),
    sa.Column("placed_by", sa.String(200), nullable=False),
    sa.Column("placed_by_token_id", BigId, sa.ForeignKey("api_tokens.id")),
    sa.Column("promised_delivery_at", UTCDateTime),
    sa.Column("expires_at", UTCDateTime),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("confirmed_at", UTCDateTime),
    sa.Column("cancelled_at", UTCDateTime),
    sa.Column("cancel_reason", sa.String(500)),
    sa.Column("shipping_region", sa.String(32)),
    sa.Column("shipping_country", sa.String(2)),
    sa.Column("routing", Json),
    sa.Column("active_holds", sa.Integer, nullable=False, server_default="0"),
    sa.Column("ship_by_at", UTCDateTime),
    sa.Column("delivered_at", UTCDateTime),
    sa.Column("at_risk", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("at_risk_reasons", Json),
    sa.Column("authorization_expires_at", UTCDateTime),
    sa.Column("locale", sa.String(16)),  # the customer's language for mail (BCP 47: "nl-NL")
    sa.Column("timezone", sa.String(64)),  # IANA name, for dates in mail
    # orders taken elsewhere (services/order_import.py): NULL for orders placed here
    sa.Column("source", sa.String(64)),
    sa.Column("external_id", sa.String(200)),
    sa.Column("sales_rep", sa.String(200)),
    sa.Column("import_fingerprint", sa.String(64)),
    sa.Column("tags", Json),  # labels (automation rules add them)
    sa.Column("metadata", Json),  # {"key": "value"} (domain/annotations.py)
    sa.Column("private_metadata", Json),  # staff only
    # pricing (domain/price_calculation.py): totals over lines and shipping; ``total_minor`` is
    # subtotal - discount + shipping (+ tax unless prices include it)
    sa.Column("discount_minor", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("tax_minor", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("shipping_discount_minor", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("shipping_tax_minor", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("prices_include_tax", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("tax_policy", sa.String(16)),  # TaxPolicyUsed; NULL for orders before taxes
    sa.Column("market_id", BigId),  # NULL: the built-in default market
    sa.UniqueConstraint("source", "external_id", name="uq_orders_source_external_id"),
    sa.Index("ix_orders_sales_rep", "sales_rep", "created_at", "id"),
    sa.Index("ix_orders_external_id", "external_id"),
    sa.Index("ix_orders_status_created", "status", "created_at", "id"),
    sa.Index("ix_orders_created", "created_at", "id"),
    sa.Index("ix_orders_expires_at", "expires_at"),
    sa.Index("ix_orders_email", "email"),
    sa.Index("ix_orders_ship_by", "status", "ship_by_at"),
    # GIN on PostgreSQL for OrderFilter.tag / .metadata (db/queries/json_filters.py)
    sa.Index(
        "ix_orders_tags", "tags", postgresql_using="gin", postgresql_ops={"tags": "jsonb_path_ops"}
    ),
    sa.Index("ix_orders_metadata", "metadata", postgresql_using="gin"),
)

# Staff comments on an order's timeline (addOrderNote); customers never see them.
order_notes = sa.Table(
    "order_notes",
    metadata,
    _id(),
    sa.Column("order_id", BigId, sa.ForeignKey("orders.id"), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_order_notes_order", "order_id", "id"),
)

# Draft orders (createDraftOrder): a saved placeOrder input, completed into an order later.
draft_orders = sa.Table(
    "draft_orders",
    metadata,
    _id(),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("request", Json, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("order_id", BigId, sa.ForeignKey("orders.id"), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    # the units the draft holds, [[sku, warehouse_id, quantity], ...], until the expiry
    sa.Column("reservation", Json, nullable=True),
    sa.Column("reservation_expires_at", UTCDateTime, nullable=True),
    sa.Index("ix_draft_orders_status", "status", "id"),
    sa.Index("ux_draft_orders_order_id", "order_id", unique=True),
    sa.Index("ix_draft_orders_reservation_expires_at", "reservation_expires_at"),
)

order_lines = sa.Table(
    "order_lines",
    metadata,
    _id(),
    sa.Column("order_id", BigId, sa.ForeignKey("orders.id"), nullable=False, index=True),
    sa.Column("sku", sa.String(64), sa.ForeignKey("products.sku"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("unit_price_minor", sa.BigInteger, nullable=False),
    sa.Column("total_minor", sa.BigInteger, nullable=False),  # unit price x quantity
    sa.Column("discount_minor", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("tax_minor", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("tax_class", sa.String(16)),
    sa.CheckConstraint("quantity > 0", name="quantity_positive"),
)

# One rate's tax on one order line (``order_line_id``) or on shipping (NULL); ``rate`` is the
# percentage as a decimal string ("21", "8.875"), ``taxable_minor`` the net amount it applied to.
order_tax_lines = sa.Table(
    "order_tax_lines",
    metadata,
    _id(),
    sa.Column("order_id", BigId, sa.ForeignKey("orders.id"), nullable=False, index=True),
    sa.Column("order_line_id", BigId, sa.ForeignKey("order_lines.id")),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("rate", sa.String(16), nullable=False),
    sa.Column("taxable_minor", sa.BigInteger, nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
)

# One discount's share of one order line (or of shipping: NULL), as it was when placed: refunds,
# cancellations and edits give back exactly these shares.
order_discounts = sa.Table(
    "order_discounts",
    metadata,
    _id(),
    sa.Column("order_id", BigId, sa.ForeignKey("orders.id"), nullable=False, index=True),
    sa.Column("order_line_id", BigId, sa.ForeignKey("order_lines.id")),
    sa.Column("discount_id", BigId),
    sa.Column("code", sa.String(64)),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
)

outbox = sa.Table(
    "outbox",
    metadata,
    _id(),
    sa.Column("order_id", BigId, sa.ForeignKey("orders.id")),
    sa.Column("sequence", sa.Integer),
    sa.Column("aggregate_type", sa.String(32), nullable=False),
    sa.Column("aggregate_id", BigId, nullable=False),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("payload", Json, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("occurred_at", UTCDateTime, nullable=False),
    sa.Column("fanned_out", sa.Boolean, nullable=False, server_default=sa.false()),
    # taken by the automation consumer (events/automation.py), as fanned_out by webhooks
    sa.Column("automated", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.UniqueConstraint("order_id", "sequence", name="uq_outbox_order_sequence"),
    sa.Index("ix_outbox_aggregate", "aggregate_type", "aggregate_id", "id"),
    sa.Index("ix_outbox_fanned_out", "fanned_out", "id"),
    sa.Index("ix_outbox_automated", "automated", "id"),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    _id(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("scopes", Json, nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("prefix", sa.String(16), nullable=False),
    sa.Column("customer_id", BigId, sa.ForeignKey("customers.id")),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime),
    sa.Column("revoked_at", UTCDateTime),
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    _id(),
    sa.Column("scope", sa.String(200), nullable=False),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("operation", sa.String(64), nullable=False),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("result", Json, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("scope", "key", name="uq_idempotency_keys_scope_key"),
)

order_allocations = sa.Table(
    "order_allocations",
    metadata,
    _id(),
    sa.Column("order_id", BigId, sa.ForeignKey("orders.id"), nullable=False, index=True),
    sa.Column("order_line_id", BigId, sa.ForeignKey("order_lines.id"), nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("warehouse_id", BigId, sa.ForeignKey("warehouses.id"), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("released_at", UTCDateTime),
    sa.CheckConstraint("quantity > 0", name="quantity_positive"),
)

order_holds = sa.Table(
    "order_holds",
    metadata,
    _id(),
    sa.Column("order_id", BigId, sa.ForeignKey("orders.id"), nullable=False, index=True),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("reason", sa.String(500)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("released_at", UTCDateTime),
    sa.Column("released_by", sa.String(200)),
)

payment_transactions = sa.Table(
    "payment_transactions",
    metadata,
    _id(),
    sa.Column("order_id", BigId, sa.ForeignKey("orders.id"), nullable=False, index=True),
    sa.Column("gateway", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("reference", sa.String(200)),
    sa.Column("error_code", sa.String(64)),
    sa.Column("message", sa.String(500)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("idempotency_key", sa.String(300)),
    sa.Column("target_reference", sa.String(200)),
    sa.Column("compensates_id", BigId, sa.ForeignKey("payment_transactions.id"), nullable=True),
    sa.Column("client_secret", sa.String(300)),
    sa.Column("next_action", Json),
    sa.Column("settled_at", UTCDateTime),
    sa.Index("ix_payment_transactions_reference", "gateway", "reference"),
)

# Provider webhook events already handled: a redelivered event id changes nothing.
payment_provider_events = sa.Table(
    "payment_provider_events",
    metadata,
    _id(),
    sa.Column("provider", sa.String(32), nullable=False),
    sa.Column("event_id", sa.String(200), nullable=False),
    sa.Column("type", sa.String(100), nullable=False),
    sa.Column("reference", sa.String(200)),
    sa.Column("outcome", sa.String(200), nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("provider", "event_id", name="uq_payment_provider_events_event"),
)

fulfillments = sa.Table(
    "fulfillments",
    metadata,
    _id(),
    sa.Column("order_id", BigId, sa.ForeignKey("orders.id"), nullable=False, index=True),
    sa.Column("warehouse_id", BigId, sa.ForeignKey("warehouses.id"), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_fulfillments_warehouse_status", "warehouse_id", "status", "id"),
)

fulfillment_lines = sa.Table(
    "fulfillment_lines",
    metadata,
    _id(),
    sa.Column(
        "fulfillment_id", BigId, sa.ForeignKey("fulfillments.id"), nullable=False, index=True
    ),
    sa.Column("order_line_id", BigId, sa.ForeignKey("order_lines.id"), nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("shipped_quantity", sa.Integer, nullable=False, server_default="0"),
    sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    sa.CheckConstraint(
        "shipped_quantity >= 0 AND shipped_quantity <= quantity", name="shipped_within_quantity"
    ),
)

shipments = sa.Table(
    "shipments",
    metadata,
    _id(),
    sa.Column("order_id", BigId, sa.ForeignKey("orders.id"), nullable=False, index=True),
    sa.Column("fulfillment_id", BigId, sa.ForeignKey("fulfillments.id"), nullable=False),
    sa.Column("warehouse_id", BigId, sa.ForeignKey("warehouses.id"), nullable=False),
    sa.Column("carrier", sa.String(32), nullable=False),
    sa.Column("carrier_name", sa.String(100), nullable=False),
    sa.Column("service", sa.String(100)),
    sa.Column("tracking_number", sa.String(100), nullable=False),
    sa.Column("tracking_url", sa.String(500)),
    sa.Column("code", sa.String(32), nullable=False, unique=True),
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("shipped_at", UTCDateTime, nullable=False),
    sa.Column("promised_delivery_at", UTCDateTime),
    sa.Column("delivered_at", UTCDateTime),
    sa.Column("last_event_at", UTCDateTime),
    sa.Column("clicks", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ix_shipments_open_promise", "status", "promised_delivery_at"),
    sa.Index("ix_shipments_carrier_service", "carrier", "service", "status"),
    sa.Index("ix_shipments_tracking_number", "tracking_number", "id"),  # carrier webhooks
)

shipment_lines = sa.Table(
    "shipment_lines",
    metadata,
    _id(),
    sa.Column("shipment_id", BigId, sa.ForeignKey("shipments.id"), nullable=False, index=True),
    sa.Column("fulfillment_line_id", BigId, sa.ForeignKey("fulfillment_lines.id"), nullable=False),
    sa.Column("order_line_id", BigId, sa.ForeignKey("order_lines.id"), nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.CheckConstraint("quantity > 0", name="quantity_positive"),
)

shipment_events = sa.Table(
    "shipment_events",
    metadata,
    _id(),
    sa.Column("shipment_id", BigId, sa.ForeignKey("shipments.id"), nullable=False),
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("occurred_at", UTCDateTime, nullable=False),
    sa.Column("location", sa.String(200)),
    sa.Column("description", sa.String(500)),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    sa.Column("applied", sa.Boolean, nullable=False),
    sa.Index("ix_shipment_events_shipment", "shipment_id", "occurred_at", "id"),
)

returns = sa.Table(
    "returns",
    metadata,
    _id(),
    sa.Column("order_id", BigId, sa.ForeignKey("orders.id"), nullable=False, index=True),
    sa.Column("number", sa.String(48), nullable=False, unique=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("note", sa.String(1000)),
    sa.Column("requested_by", sa.String(200), nullable=False),
    sa.Column("label_carrier", sa.String(100)),
    sa.Column("label_tracking_number", sa.String(100)),
    sa.Column("label_url", sa.String(500)),
    sa.Column("instructions", sa.String(2000)),
    sa.Column("rejection_reason", sa.String(500)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("decided_at", UTCDateTime),
    sa.Column("received_at", UTCDateTime),
    sa.Column("refunded_at", UTCDateTime),
    sa.Index("ix_returns_status_created", "status", "created_at", "id"),
)

return_lines = sa.Table(
    "return_lines",
    metadata,
    _id(),
    sa.Column("return_id", BigId, sa.ForeignKey("returns.id"), nullable=False, index=True),
    sa.Column("order_line_id", BigId, sa.ForeignKey("order_lines.id"), nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("reason", sa.String(24), nullable=False),
    sa.Column("note", sa.String(1000)),
    sa.Column("received_quantity", sa.Integer, nullable=False, server_default="0"),
    sa.Column("restocked_quantity", sa.Integer, nullable=False, server_default="0"),
    sa.Column("discarded_quantity", sa.Integer, nullable=False, server_default="0"),
    sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    sa.CheckConstraint(
        "received_quantity = restocked_quantity + discarded_quantity "
        "AND received_quantity <= quantity",
        name="received_within_quantity",
    ),
)

refunds = sa.Table(
    "refunds",
    metadata,
    _id(),
    sa.Column("order_id", BigId, sa.ForeignKey("orders.id"), nullable=False, index=True),
    sa.Column("return_id", BigId, sa.ForeignKey("returns.id")),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(500)),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("shipping_minor", sa.BigInteger, nullable=False),
    sa.Column("appeasement_minor", sa.BigInteger, nullable=False),
    sa.Column("adjustment_minor", sa.BigInteger, nullable=False),
    sa.Column("total_minor", sa.BigInteger, nullable=False),
    sa.Column("refundable_before_minor", sa.BigInteger, nullable=False),
    sa.Column("gateway_reference", sa.String(200)),
    sa.Column("error", sa.String(500)),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("completed_at", UTCDateTime),
    sa.CheckConstraint("total_minor > 0", name="total_positive"),
    sa.Index("ix_refunds_completed", "completed_at", "id"),  # analytics.orders refunds
)

refund_lines = sa.Table(
    "refund_lines",
    metadata,
    _id(),
    sa.Column("refund_id", BigId, sa.ForeignKey("refunds.id"), nullable=False, index=True),
    sa.Column("order_line_id", BigId, sa.ForeignKey("order_lines.id"), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
)

webhooks = sa.Table(
    "webhooks",
    metadata,
    _id(),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("events", Json, nullable=False),
    sa.Column("secret", sa.String(200), nullable=False),  # needed in clear to sign
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("deleted_at", UTCDateTime),
    # the creator's role and scopes: a webhook receives only events its creator may read
    sa.Column("owner", Json),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    _id(),
    sa.Column("webhook_id", BigId, sa.ForeignKey("webhooks.id"), nullable=False),
    sa.Column("outbox_id", BigId, sa.ForeignKey("outbox.id"), nullable=False),
    sa.Column("order_id", BigId),
    sa.Column("event_type", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("last_status_code", sa.Integer),
    sa.Column("last_error", sa.String(500)),
    sa.Column("last_latency_ms", sa.Integer),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("delivered_at", UTCDateTime),
    # claimed by a worker until then: it posts outside any transaction, then records
    sa.Column("leased_until", UTCDateTime),
    sa.UniqueConstraint("webhook_id", "outbox_id", name="uq_webhook_deliveries_event"),
    sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    sa.Index("ix_webhook_deliveries_order", "webhook_id", "order_id", "outbox_id"),
)

webhook_attempts = sa.Table(
    "webhook_attempts",
    metadata,
    _id(),
    sa.Column(
        "delivery_id", BigId, sa.ForeignKey("webhook_deliveries.id"), nullable=False, index=True
    ),
    sa.Column("attempted_at", UTCDateTime, nullable=False),
    sa.Column("status_code", sa.Integer),
    sa.Column("latency_ms", sa.Integer, nullable=False),
    sa.Column("error", sa.String(500)),
)

# Order numbers on SQLite (PostgreSQL uses the sequence order_number_seq instead, which never
# makes concurrent orders wait on one counter row).
counters = sa.Table(
    "counters",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

# Leaky buckets shared by every worker (sign-in throttles, bad-token throttles, query-cost
# budgets). Times are epoch seconds as floats so that the leak is plain arithmetic in SQL on
# both dialects; keys are HMACs, never the email or address itself.
rate_buckets = sa.Table(
    "rate_buckets",
    metadata,
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("level", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Column("accepted", sa.Boolean, nullable=False),
    sa.Index("ix_rate_buckets_updated_at", "updated_at"),
)

# Customer mail: one row per (event, recipient), written in the transaction of the change and
# sent after commit by the notification consumer (claimed with a lease, like webhook deliveries).
notifications = sa.Table(
    "notifications",
    metadata,
    _id(),
    sa.Column(
        "key", sa.String(200), nullable=False, unique=True
    ),  # idempotency: (event, recipient)
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("recipient", sa.String(254), nullable=False),
    sa.Column("locale", sa.String(16)),
    sa.Column("order_id", BigId, sa.ForeignKey("orders.id"), index=True),
    sa.Column("customer_id", BigId, sa.ForeignKey("customers.id"), index=True),
    sa.Column("data", Json, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("leased_until", UTCDateTime),
    sa.Column("message_id", sa.String(200), nullable=False),
    sa.Column("subject", sa.String(500)),
    sa.Column("body_text", sa.Text),
    sa.Column("body_html", sa.Text),
    sa.Column("last_response", sa.String(500)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime),
    sa.Index("ix_notifications_due", "status", "next_attempt_at"),
    sa.Index("ix_notifications_recipient", "recipient", "id"),
)

# A customer's rating of a delivery, one per order, given through the signed link in the mail.
order_feedback = sa.Table(
    "order_feedback",
    metadata,
    _id(),
    sa.Column("order_id", BigId, sa.ForeignKey("orders.id"), nullable=False, unique=True),
    sa.Column("rating", sa.SmallInteger, nullable=False),
    sa.Column("comment", sa.Text),
    sa.Column("submitted_at", UTCDateTime, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
    # staff list low ratings, newest first
    sa.Index("ix_order_feedback_rating", "rating", "submitted_at"),
    sa.Index("ix_order_feedback_submitted_at", "submitted_at", "id"),
)

# Stock moving between two warehouses: off the source's on hand when sent, in transit at the
# destination until received (or back at the source when cancelled). See domain/transfers.py.
inventory_transfers = sa.Table(
    "inventory_transfers",
    metadata,
    _id(),
    sa.Column("number", sa.String(32), nullable=False, unique=True),
    sa.Column("sku", sa.String(64), sa.ForeignKey("products.sku"), nullable=False),
    sa.Column("from_warehouse_id", BigId, sa.ForeignKey("warehouses.id"), nullable=False),
    sa.Column("to_warehouse_id", BigId, sa.ForeignKey("warehouses.id"), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("received_at", UTCDateTime),
    sa.Column("cancelled_at", UTCDateTime),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    sa.CheckConstraint("from_warehouse_id <> to_warehouse_id", name="distinct_warehouses"),
    sa.CheckConstraint("status IN ('IN_TRANSIT', 'RECEIVED', 'CANCELLED')", name="status_known"),
    sa.Index("ix_inventory_transfers_status", "status", "id"),
    sa.Index("ix_inventory_transfers_sku_status", "sku", "status"),
)

# Stock a supplier is sending to one warehouse, expected on a date. See domain/inbound.py.
inbound_shipments = sa.Table(
    "inbound_shipments",
    metadata,
    _id(),
    sa.Column("number", sa.String(32), nullable=False, unique=True),
    sa.Column("warehouse_id", BigId, sa.ForeignKey("warehouses.id"), nullable=False),
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("expected_at", UTCDateTime, nullable=False),
    sa.Column("reference", sa.String(200)),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("received_at", UTCDateTime),
    sa.Column("cancelled_at", UTCDateTime),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.CheckConstraint(
        "status IN ('PENDING', 'PARTIALLY_RECEIVED', 'RECEIVED', 'CANCELLED')",
        name="status_known",
    ),
    sa.Index("ix_inbound_shipments_status", "status", "id"),
    sa.Index("ix_inbound_shipments_warehouse", "warehouse_id", "id"),
)

inbound_shipment_lines = sa.Table(
    "inbound_shipment_lines",
    metadata,
    _id(),
    sa.Column("inbound_shipment_id", BigId, sa.ForeignKey("inbound_shipments.id"), nullable=False),
    sa.Column("sku", sa.String(64), sa.ForeignKey("products.sku"), nullable=False),
    sa.Column("quantity_expected", sa.Integer, nullable=False),
    sa.Column("quantity_received", sa.Integer, nullable=False, server_default="0"),
    sa.CheckConstraint("quantity_expected > 0", name="quantity_expected_positive"),
    sa.CheckConstraint("quantity_received >= 0", name="quantity_received_not_negative"),
    sa.UniqueConstraint("inbound_shipment_id", "sku", name="uq_inbound_shipment_lines_sku"),
    sa.Index("ix_inbound_shipment_lines_sku", "sku", "inbound_shipment_id"),
)

automation_rules = sa.Table(
    "automation_rules",
    metadata,
    _id(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("trigger", sa.String(64), nullable=False),
    sa.Column("condition", sa.Text, nullable=False),
    sa.Column("actions", Json, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Index("ix_automation_rules_trigger", "trigger", "enabled"),
)

# one row per (rule, event): the unique key makes a rule run at most once on an event
automation_runs = sa.Table(
    "automation_runs",
    metadata,
    _id(),
    sa.Column("rule_id", BigId, sa.ForeignKey("automation_rules.id"), nullable=False),
    sa.Column("outbox_id", BigId, sa.ForeignKey("outbox.id"), nullable=False),
    sa.Column("order_id", BigId, sa.ForeignKey("orders.id"), nullable=False),
    sa.Column("event_type", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("matched", sa.Boolean),
    sa.Column("error", sa.String(1000)),
    sa.Column("outcomes", Json),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("leased_until", UTCDateTime),
    sa.Column("finished_at", UTCDateTime),
    sa.CheckConstraint(
        "status IN ('PENDING', 'RUNNING', 'DONE', 'ABANDONED')", name="status_known"
    ),
    sa.UniqueConstraint("rule_id", "outbox_id", name="uq_automation_runs_rule_event"),
    sa.Index("ix_automation_runs_status", "status", "order_id", "outbox_id"),
    sa.Index("ix_automation_runs_order", "order_id", "id"),
)

# carrier services (0017): calendars and cut-offs are small lists kept on the service row
carrier_services = sa.Table(
    "carrier_services",
    metadata,
    _id(),
    sa.Column("carrier", sa.String(32), nullable=False),
    sa.Column("service", sa.String(100), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("working_days", Json, nullable=False),  # ISO weekdays [1, 2, 3, 4, 5]
    sa.Column("holidays", Json, nullable=False),  # ["2026-12-25", ...]
    sa.Column("cutoffs", Json, nullable=False),  # [{"warehouseId", "time", "timezone"}]
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.UniqueConstraint("carrier", "service", name="uq_carrier_services_carrier"),
)

carrier_service_lanes = sa.Table(
    "carrier_service_lanes",
    metadata,
    _id(),
    sa.Column("carrier_service_id", BigId, sa.ForeignKey("carrier_services.id"), nullable=False),
    sa.Column("origin_region", sa.String(32), nullable=False),
    sa.Column("destination_country", sa.String(2)),
    sa.Column("destination_region", sa.String(32)),
    sa.Column("transit_days_min", sa.Integer, nullable=False),
    sa.Column("transit_days_max", sa.Integer, nullable=False),
    sa.CheckConstraint(
        "transit_days_min >= 0 AND transit_days_max >= transit_days_min", name="transit_range"
    ),
    sa.Index("ix_carrier_service_lanes_carrier_service_id", "carrier_service_id"),
)

carrier_service_rates = sa.Table(
    "carrier_service_rates",
    metadata,
    _id(),
    sa.Column("carrier_service_id", BigId, sa.ForeignKey("carrier_services.id"), nullable=False),
    sa.Column("max_weight_grams", sa.Integer, nullable=False),
    sa.Column("price_minor", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("free_over_minor", sa.BigInteger),
    sa.CheckConstraint("max_weight_grams > 0 AND price_minor >= 0", name="bracket_valid"),
    sa.Index("ix_carrier_service_rates_carrier_service_id", "carrier_service_id"),
)

# the carrier service an order was placed with (none: the fixed rate table priced it)
order_shipping_options = sa.Table(
    "order_shipping_options",
    metadata,
    sa.Column("order_id", BigId, sa.ForeignKey("orders.id"), primary_key=True),
    sa.Column("carrier_service_id", BigId, sa.ForeignKey("carrier_services.id"), nullable=False),
    sa.Column("carrier", sa.String(32), nullable=False),
    sa.Column("service", sa.String(100), nullable=False),
    sa.Column("chosen_by", sa.String(16), nullable=False),  # CUSTOMER, CHEAPEST or RULE
    sa.Column("price_minor", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("earliest", UTCDateTime, nullable=False),
    sa.Column("latest", UTCDateTime, nullable=False),
    sa.Column("basis", sa.String(16), nullable=False),
)

# why shipFulfillment without a carrier picked the one it did
shipment_carrier_choices = sa.Table(
    "shipment_carrier_choices",
    metadata,
    sa.Column("shipment_id", BigId, sa.ForeignKey("shipments.id"), primary_key=True),
    sa.Column("carrier_service_id", BigId, sa.ForeignKey("carrier_services.id"), nullable=False),
    sa.Column("policy", sa.String(16), nullable=False),
    sa.Column("explanation", Json, nullable=False),
)

# Carrier webhooks as received (POST /carrier-events/{source}), normalized; (source, event id)
# is unique, so a redelivered event changes nothing. UNMATCHED rows are listed for staff.
carrier_events = sa.Table(
    "carrier_events",
    metadata,
    _id(),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("event_id", sa.String(200), nullable=False),
    sa.Column("tracking_number", sa.String(100), nullable=False),
    sa.Column("carrier", sa.String(64)),
    sa.Column("carrier_status", sa.String(64), nullable=False),
    sa.Column("status", sa.String(24)),
    sa.Column("occurred_at", UTCDateTime),
    sa.Column("location", sa.String(200)),
    sa.Column("description", sa.String(500)),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("shipment_id", BigId, sa.ForeignKey("shipments.id")),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("source", "event_id", name="uq_carrier_events_event"),
    sa.CheckConstraint(
        "outcome IN ('APPLIED', 'STALE', 'UNMATCHED', 'IGNORED')", name="outcome_known"
    ),
    sa.Index("ix_carrier_events_outcome", "outcome", "id"),
    sa.Index("ix_carrier_events_tracking_number", "tracking_number"),
)

markets = sa.Table(
    "markets",
    metadata,
    _id(),
    sa.Column("handle", sa.String(63), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("tax_display", sa.String(16), nullable=False),
    sa.Column("channels", Json, nullable=False),  # ["WEB", "APP", ...]
    sa.Column("rounding_mode", sa.String(16), nullable=False),
    sa.Column("rounding_rule", sa.String(16), nullable=False),
    sa.Column("tax_failure_policy", sa.String(16), nullable=False, server_default="BLOCK"),
    # percent * 10 000 (21 % = 210000): exact on both databases, four decimals at most
    sa.Column("fallback_tax_rate_e4", sa.Integer),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.UniqueConstraint("handle", name="uq_markets_handle"),
    sa.CheckConstraint("tax_display IN ('INCLUSIVE', 'EXCLUSIVE')", name="tax_display_known"),
    sa.CheckConstraint(
        "rounding_mode IN ('PER_UNIT', 'PER_LINE', 'PER_ORDER')", name="rounding_mode_known"
    ),
    sa.CheckConstraint("rounding_rule IN ('HALF_UP', 'HALF_EVEN')", name="rounding_rule_known"),
)

# Tax rates (domain/taxes.py): every active rate of a class for a country, country-wide
# (region NULL) or for the destination's region, applies. One name per country, region and
# class: two partial unique indexes, because NULL regions are distinct in a plain one.
tax_rates = sa.Table(
    "tax_rates",
    metadata,
    _id(),
    sa.Column("country_code", sa.String(2), nullable=False),
    sa.Column("region", sa.String(16)),
    sa.Column("tax_class", sa.String(16), nullable=False),
    sa.Column("rate_e4", sa.Integer, nullable=False),  # percent * 10 000 (21 % = 210000)
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("tax_shipping", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.CheckConstraint("rate_e4 >= 0 AND rate_e4 <= 1000000", name="rate_percentage"),
    sa.CheckConstraint("tax_class IN ('STANDARD', 'REDUCED', 'ZERO')", name="tax_class_known"),
    sa.Index("ix_tax_rates_country", "country_code"),  # a checkout reads one country's rates
    sa.Index(
        "ux_tax_rates_country_class_name",
        "country_code",
        "tax_class",
        "name",
        unique=True,
        postgresql_where=sa.text("region IS NULL"),
        sqlite_where=sa.text("region IS NULL"),
    ),
    sa.Index(
        "ux_tax_rates_region_class_name",
        "country_code",
        "region",
        "tax_class",
        "name",
        unique=True,
        postgresql_where=sa.text("region IS NOT NULL"),
        sqlite_where=sa.text("region IS NOT NULL"),
    ),
)

# A market's countries; ``active`` mirrors the market's so that the partial unique index can
# hold every country to at most one active market, even against concurrent claims.
market_countries = sa.Table(
    "market_countries",
    metadata,
    sa.Column("market_id", BigId, sa.ForeignKey("markets.id"), primary_key=True),
    sa.Column("country_code", sa.String(2), primary_key=True),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Index(
        "ux_market_countries_active_country",
        "country_code",
        unique=True,
        postgresql_where=sa.text("active"),
        sqlite_where=sa.text("active"),
    ),
)

# Issued invoices (domain/invoices.py): one per order, numbered by the counter row
# "invoice:<year>" in the issuing transaction; ``document`` is the frozen snapshot drawn on
# every request.
invoices = sa.Table(
    "invoices",
    metadata,
    _id(),
    sa.Column("order_id", BigId, sa.ForeignKey("orders.id"), nullable=False, unique=True),
    sa.Column("number", sa.String(32), nullable=False, unique=True),
    sa.Column("issued_at", UTCDateTime, nullable=False),
    sa.Column("document", Json, nullable=False),
)

# Discounts (domain/discounts.py): ``code`` NULL for an automatic discount, upper case otherwise
# (so the unique constraint is case-insensitive); ``value`` is the decimal text ("10" = 10 %
# or 10.00 in ``currency``). ``times_used`` is taken by a conditional UPDATE (services/discounts).
discounts = sa.Table(
    "discounts",
    metadata,
    _id(),
    sa.Column("code", sa.String(64), unique=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("value", sa.String(24), nullable=False),
    sa.Column("currency", sa.String(3)),
    sa.Column("scope", sa.String(16), nullable=False),
    sa.Column("skus", Json, nullable=False),  # ["SKU-1", ...] for scope PRODUCTS
    sa.Column("groups", Json, nullable=False),  # product group handles
    sa.Column("minimum_subtotal_minor", sa.BigInteger),
    sa.Column("starts_at", UTCDateTime),
    sa.Column("ends_at", UTCDateTime),
    sa.Column("usage_limit", sa.Integer),
    sa.Column("per_customer_limit", sa.Integer),
    sa.Column("combinable", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("times_used", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.CheckConstraint(
        "kind IN ('PERCENTAGE', 'FIXED_AMOUNT', 'FREE_SHIPPING')", name="kind_known"
    ),
    sa.CheckConstraint("scope IN ('ORDER', 'PRODUCTS')", name="scope_known"),
    sa.CheckConstraint("times_used >= 0", name="times_used_not_negative"),
    sa.CheckConstraint("usage_limit IS NULL OR usage_limit >= 1", name="usage_limit_positive"),
    sa.CheckConstraint(
        "per_customer_limit IS NULL OR per_customer_limit >= 1",
        name="per_customer_limit_positive",
    ),
)

# One use of a discount by an order; ``given_back_at`` is set once, when the order is cancelled.
# ``customer_key`` is "customer:<id>" or "email:<lower-cased email>".
discount_usages = sa.Table(
    "discount_usages",
    metadata,
    _id(),
    sa.Column("discount_id", BigId, sa.ForeignKey("discounts.id"), nullable=False),
    sa.Column("order_id", BigId, sa.ForeignKey("orders.id"), nullable=False),
    sa.Column("customer_key", sa.String(330), nullable=False),
    sa.Column("taken_at", UTCDateTime, nullable=False),
    sa.Column("given_back_at", UTCDateTime),
    sa.UniqueConstraint("discount_id", "order_id", name="uq_discount_usages_discount_order"),
    sa.Index("ix_discount_usages_order_id", "order_id"),
    sa.Index("ix_discount_usages_customer", "discount_id", "customer_key"),
)

# A market's price lists (domain/price_lists.py): prices in the market's currency, for one
# channel and/or customer group or for all, in force from starts_at until ends_at.
price_lists = sa.Table(
    "price_lists",
    metadata,
    _id(),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("market_id", BigId, sa.ForeignKey("markets.id"), nullable=False),
    sa.Column("channel", sa.String(16)),
    sa.Column("customer_group", sa.String(32)),
    sa.Column("starts_at", UTCDateTime),
    sa.Column("ends_at", UTCDateTime),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.CheckConstraint(
        "ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at", name="window_ordered"
    ),
    sa.Index("ix_price_lists_market_id", "market_id", "id"),
)

price_list_prices = sa.Table(
    "price_list_prices",
    metadata,
    sa.Column("price_list_id", BigId, sa.ForeignKey("price_lists.id"), primary_key=True),
    sa.Column("sku", sa.String(64), primary_key=True),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
    # prices_in_force looks SKUs up across a market's lists
    sa.Index("ix_price_list_prices_sku", "sku", "price_list_id"),
)

# One committed change set (domain/order_changes.py): an edit, a partial cancellation or an
# exchange; ``number`` counts them per order, ``order_version`` is the order's version after it.
# ``summary`` keeps the before/after totals, stock moves and the money settlement as answered.
order_changes = sa.Table(
    "order_changes",
    metadata,
    _id(),
    sa.Column("order_id", BigId, sa.ForeignKey("orders.id"), nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("order_version", sa.Integer, nullable=False),
    sa.Column("diff", Json, nullable=False),
    sa.Column("summary", Json, nullable=False),
    sa.Column("difference_minor", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("reason", sa.String(500)),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.CheckConstraint("kind IN ('EDIT', 'CANCELLATION', 'EXCHANGE')", name="kind_known"),
    sa.UniqueConstraint("order_id", "number"),
)
# Trigram indexes for OrderFilter.query (ILIKE '%…%'), PostgreSQL only (migration 0028).
for _name, _column in (
    ("ix_orders_number_trgm", orders.c.number),
    ("ix_orders_email_trgm", orders.c.email),
    ("ix_orders_contact_name_trgm", orders.c.contact_name),
    ("ix_order_lines_sku_trgm", order_lines.c.sku),
    ("ix_shipments_tracking_number_trgm", shipments.c.tracking_number),
):
    sa.Index(
        _name, _column, postgresql_using="gin", postgresql_ops={_column.name: "gin_trgm_ops"}
    ).ddl_if(dialect="postgresql")

# An exchange links a return of the original order to the replacement order (migration 0030).
exchanges = sa.Table(
    "exchanges",
    metadata,
    _id(),
    sa.Column("original_order_id", BigId, sa.ForeignKey("orders.id"), nullable=False, index=True),
    sa.Column("replacement_order_id", BigId, sa.ForeignKey("orders.id"), nullable=False),
    sa.Column("return_id", BigId, sa.ForeignKey("returns.id"), nullable=False),
    sa.Column("returned_minor", sa.BigInteger, nullable=False),
    sa.Column("new_total_minor", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("settlement", sa.String(24), nullable=False),
    sa.Column("hold_replacement", sa.Boolean, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.CheckConstraint(
        "settlement IN ('NONE', 'CHARGE', 'REFUND_ON_RECEIPT')", name="settlement_known"
    ),
    sa.UniqueConstraint("replacement_order_id"),
    sa.UniqueConstraint("return_id"),
)

# payment links (domain/payment_links.py): a draft's invoice or an edit's balance, paid at
# /pay/{token}; only the token's SHA-256 is kept. ``paying_until`` is the lease one payment
# attempt holds, so two clicks never charge twice.
payment_links = sa.Table(
    "payment_links",
    metadata,
    _id(),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("purpose", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("order_id", BigId, sa.ForeignKey("orders.id"), nullable=True, index=True),
    sa.Column("draft_order_id", BigId, sa.ForeignKey("draft_orders.id"), nullable=True, index=True),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("summary", Json, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("paid_at", UTCDateTime, nullable=True),
    sa.Column("paying_until", UTCDateTime, nullable=True),
    sa.CheckConstraint("amount_minor > 0", name="amount_positive"),
    sa.CheckConstraint(
        "order_id IS NOT NULL OR draft_order_id IS NOT NULL",
        name="owner_known",
    ),
)
