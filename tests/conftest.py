"""Session-wide fixtures: the throwaway PostgreSQL cluster and the database factory."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.databases import Databases, open_databases


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    found = open_databases(tmp_path_factory.mktemp("databases"))
    try:
        yield found
    finally:
        found.close()
