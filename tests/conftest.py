from __future__ import annotations

import pytest

from analytics.db import Database
from tests.factories import Clinic, SummarisedDatabase


@pytest.fixture
def db() -> Database:
    """A fresh, migrated in-memory database."""
    database = Database.memory()
    yield database
    database.close()


@pytest.fixture(params=["raw tables", "stored summaries"])
def raw_or_summarised_db(request) -> Database:  # noqa: ANN001
    """A fresh database, once with no stored progress summaries (the views read the raw
    tables) and once with them kept as the importer keeps them (analytics/derived_progress.py),
    read wherever they are exact at the as-of date. A test module that wants both asks for it
    as its `db`."""
    database = (SummarisedDatabase if request.param == "stored summaries" else Database).memory()
    yield database
    database.close()


@pytest.fixture
def clinic(db: Database) -> Clinic:
    return Clinic(db)
