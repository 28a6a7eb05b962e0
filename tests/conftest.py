from __future__ import annotations

import pytest

from analytics.db import Database
from tests.factories import Clinic


@pytest.fixture
def db() -> Database:
    """A fresh, migrated in-memory database."""
    database = Database.memory()
    yield database
    database.close()


@pytest.fixture
def clinic(db: Database) -> Clinic:
    return Clinic(db)
