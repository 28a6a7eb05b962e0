"""Every chart a page draws is valid Vega-Lite.

The app converts charts without Altair's schema check (ui/charts.py, `vega_lite`: the check
was half the cost of converting a goal's timeline), so this is where the check happens: each
page view of the benchmark (ui/bench_pages.VISITS: every page, as the viewer who uses it,
with a client and a goal open) is run on the clinic demo and every spec it sends to the
browser is validated against the Vega-Lite schema Altair ships.
"""

from __future__ import annotations

import json

import jsonschema
import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema.core import load_schema

from analytics.bench import pick_context
from analytics.db import Database
from analytics.demo import build_demo
from ui.bench_pages import VISITS, fingerprint, run_visit, viewer_for


@pytest.fixture(scope="module")
def clinic_demo(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    path = tmp_path_factory.mktemp("specs") / "clinic.duckdb"
    db = Database(path)
    db.migrate()
    build_demo(db, scale="clinic")
    context = pick_context(db).describe()
    db.close()
    return path, context


def _schema() -> dict:
    return load_schema()


@pytest.mark.parametrize("visit", VISITS, ids=lambda v: v.label)
def test_every_chart_of_the_page_is_valid_vega_lite(clinic_demo, visit, monkeypatch) -> None:  # noqa: ANN001
    path, context = clinic_demo
    monkeypatch.setenv("WAYMARK_DB", str(path))
    monkeypatch.delenv("WAYMARK_DB_KEY", raising=False)
    db = Database(path)
    viewer = viewer_for(db, visit.role, context)
    db.close()
    at = run_visit(visit, viewer, context, timeout=60)
    assert not at.exception, fingerprint(at)
    charts = at.get("vega_lite_chart")
    # The caseload's sparklines are table cells, not Vega-Lite charts.
    assert bool(charts) == (visit.page != "caseload"), f"{visit.label}: {len(charts)} charts"
    schema = _schema()
    for chart in charts:
        spec = json.loads(chart.proto.spec)
        # Raises with Altair's explanation of the first error.
        validate_jsonschema(spec, schema, raise_error=True)


def test_the_check_fails_an_invalid_spec() -> None:
    # The same check on a spec with a misspelt mark property: it must fail, or the test above
    # would pass whatever the pages drew.
    spec = {"mark": {"type": "line", "strokeWidth": 2}, "data": {"name": "d"}}
    validate_jsonschema(spec, _schema(), raise_error=True)
    spec["mark"] = {"type": "line", "strokeWidht": 2}
    with pytest.raises(jsonschema.ValidationError):
        validate_jsonschema(spec, _schema(), raise_error=True)
