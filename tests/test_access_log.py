"""The access log: rows for views and exports, searchable by an admin, append-only."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

import analytics.access_log as access_log
from analytics.access_log import record_access, search_access_log
from analytics.db import Database
from analytics.errors import WaymarkError
from analytics.scope import Scope
from tests.factories import Clinic

ROOT = Path(__file__).resolve().parent.parent
DAY1 = dt.datetime(2026, 11, 20, 10, 0)
DAY2 = dt.datetime(2026, 11, 21, 16, 30)


@pytest.fixture
def logged(db: Database, clinic: Clinic) -> Database:
    clinic.practitioner("p1")
    clinic.practitioner("p2")
    clinic.client("c1", "p1", code="AMBER-1")
    clinic.client("c2", "p2", code="BIRCH-2")
    record_access(db, "p1@example.org", "view", "client", "c1", now=DAY1)
    record_access(db, "p1@example.org", "export", "client", "c1", "goals.csv", now=DAY2)
    record_access(db, "p2@example.org", "view", "coping", "c2", now=DAY2)
    record_access(db, "p1@example.org", "denied", "client", "no-such-client", now=DAY2)
    record_access(db, "admin@waymark.example", "sign-in", "sign-in", detail="password", now=DAY1)
    return db


ALL = Scope(("p1", "p2"))


def test_each_row_says_who_did_what_to_which_client_from_which_page_and_when(logged: Database) -> None:
    rows = search_access_log(logged, ALL)
    # Five rows, newest first; ties on time keep the later insert first.
    assert rows[["user_id", "action", "page", "client_id", "display_code"]].fillna("-").values.tolist() == [
        ["p1@example.org", "denied", "client", "no-such-client", "-"],
        ["p2@example.org", "view", "coping", "c2", "BIRCH-2"],
        ["p1@example.org", "export", "client", "c1", "AMBER-1"],
        ["admin@waymark.example", "sign-in", "sign-in", "-", "-"],
        ["p1@example.org", "view", "client", "c1", "AMBER-1"],
    ]
    assert rows["accessed_at"].iloc[-1] == DAY1


@pytest.mark.parametrize(
    ("filters", "expected_ids"),
    [
        # Part of an e-mail, in any case.
        ({"user": "P1@"}, [4, 2, 1]),
        # A client by display code (any case) or by id.
        ({"client": "amber-1"}, [2, 1]),
        ({"client": "c2"}, [3]),
        ({"action": "export"}, [2]),
        # Dates are whole days, inclusive at both ends.
        ({"date_from": dt.date(2026, 11, 21)}, [4, 3, 2]),
        ({"date_to": dt.date(2026, 11, 20)}, [5, 1]),
        ({"user": "p1", "action": "view", "date_to": dt.date(2026, 11, 21)}, [1]),
    ],
)
def test_the_log_is_searched_by_user_client_date_and_action(
    logged: Database, filters: dict, expected_ids: list[int]
) -> None:
    assert search_access_log(logged, ALL, **filters)["access_id"].tolist() == expected_ids


def test_rows_about_clients_outside_the_scope_are_left_out(logged: Database) -> None:
    # p1's scope: c2 belongs to p2, so row 3 goes; the unknown id and the sign-in stay.
    assert search_access_log(logged, Scope(("p1",)))["access_id"].tolist() == [4, 2, 5, 1]


def test_an_unknown_action_or_a_row_without_user_is_refused(db: Database) -> None:
    with pytest.raises(WaymarkError, match="Unknown access-log action"):
        record_access(db, "p1@example.org", "edit", "client", "c1")
    with pytest.raises(WaymarkError, match="needs the user"):
        record_access(db, "", "view", "client", "c1")
    assert db.scalar("SELECT count(*) FROM access_log") == 0


def test_the_access_log_module_offers_only_appending_and_searching() -> None:
    public = sorted(
        name
        for name in dir(access_log)
        if callable(getattr(access_log, name))
        and not name.startswith("_")
        and getattr(getattr(access_log, name), "__module__", "") == "analytics.access_log"
    )
    assert public == ["record_access", "search_access_log"]


def test_no_waymark_code_updates_or_deletes_access_log_rows() -> None:
    # Every statement that could change or remove a row of the log, anywhere in the app's
    # code or SQL (the schema's CREATE in migration 001 is the only other mention).
    changing = re.compile(
        r"\b(UPDATE|DELETE\s+FROM|TRUNCATE|DROP\s+TABLE|ALTER\s+TABLE)\s+access_log\b", re.I
    )
    files = [ROOT / "app.py", *ROOT.glob("analytics/**/*.py"), *ROOT.glob("analytics/**/*.sql")]
    files += [*ROOT.glob("ui/*.py"), *ROOT.glob("pages/*.py")]
    offenders = [str(f.relative_to(ROOT)) for f in files if changing.search(f.read_text(encoding="utf-8"))]
    assert offenders == []


def test_every_download_button_in_the_pages_records_an_export() -> None:
    # An export is a view that leaves the building: every st.download_button in a page, or
    # in the ui/ helpers pages draw them with, must log it. A file handed over ready logs the
    # click (ui.access.record_export as its on_click); a file built on click logs when it is
    # built (its data wrapped in ui.access.recorded_download) and must not rerun the page
    # (on_click="ignore"), since that rerun is what lost downloads (ui/access.py).
    import ast

    missing = []
    paths = sorted((ROOT / "pages").glob("*.py")) + sorted((ROOT / "ui").glob("*.py"))
    assert any(p.name == "widgets.py" for p in paths)
    kinds = set()

    def unwrapped_deferred(data: ast.expr | None) -> bool:
        # ui/exports.py's functions return a file built on click.
        return (
            isinstance(data, ast.Call) and getattr(getattr(data.func, "value", None), "id", "") == "exports"
        )

    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "download_button":
                keywords = {kw.arg: kw.value for kw in node.keywords}
                on_click, data = keywords.get("on_click"), keywords.get("data")
                if data is None and len(node.args) > 1:
                    data = node.args[1]
                built_on_click = (
                    isinstance(data, ast.Call) and getattr(data.func, "id", "") == "recorded_download"
                )
                if built_on_click and isinstance(on_click, ast.Constant) and on_click.value == "ignore":
                    kinds.add("built on click")
                elif (
                    not built_on_click
                    and not unwrapped_deferred(data)
                    and isinstance(on_click, ast.Name)
                    and on_click.id == "record_export"
                ):
                    kinds.add("ready")
                else:
                    missing.append(f"{path.name}:{node.lineno}")
    assert missing == []
    # Both kinds exist, so neither branch above is vacuous.
    assert kinds == {"built on click", "ready"}


def test_tables_and_charts_offer_no_unlogged_download_of_their_own() -> None:
    # st.dataframe and chart table views have a CSV download and copy of their own, which no
    # on_click can log; the server config switches them off for every page.
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True


def test_every_page_asks_for_the_viewer_first() -> None:
    # require_viewer() signs people in and refuses pages outside their role even when
    # Streamlit runs a pages/ file without app.py (docs/security.md), so every page calls it.
    missing = [
        p.name for p in sorted((ROOT / "pages").glob("*.py")) if "require_viewer()" not in p.read_text()
    ]
    assert missing == []
