"""Adapters to the database: tables, repositories, the unit of work, read queries, migrations."""
