"""Coping chart builders: spread drawn (not only the mean), tooltips, Okabe–Ito colours."""

from __future__ import annotations

import datetime as dt
import json

from analytics.charts import OKABE_ITO
from analytics.charts.coping import (
    clinic_practice_chart,
    distress_drop_chart,
    helpfulness_chart,
    life_area_heatmap,
    practice_beside_progress_chart,
    weekly_practice_chart,
)
from analytics.coping import (
    clinic_skills,
    life_area_practice,
    practice_between_checkins,
    skill_effects,
    weekly_practice,
)
from analytics.scope import scope_for
from tests.test_coping import MARCH, build


def layers(chart) -> list[dict]:
    spec = chart.to_dict()
    if "layer" in spec:
        return spec["layer"]
    if "vconcat" in spec:
        return spec["vconcat"]
    return [spec]


def colours(spec: object) -> set[str]:
    text = json.dumps(spec)
    return {value for value in OKABE_ITO.values() if value in text} | {
        token.strip('"') for token in text.split() if token.startswith('"#')
    }


def test_the_drop_chart_draws_quartiles_whiskers_median_and_mean_for_rated_skills(db, clinic) -> None:
    build(clinic)
    effects = skill_effects(db, scope_for(db, "therapist", "p1"), "a", *MARCH, min_uses=2)
    chart = distress_drop_chart(effects)
    fields = {
        (layer["encoding"]["x"]["field"], layer["encoding"].get("x2", {}).get("field"))
        for layer in layers(chart)
    }
    # Whiskers from smallest to largest, box from quartile to quartile, median tick, mean diamond,
    # and the zero line (no change).
    assert {
        ("min_drop", "max_drop"),
        ("q1_drop", "q3_drop"),
        ("median_drop", None),
        ("mean_drop", None),
    } <= fields
    # Ranked skills first (breath is the only one with 2 rated uses), the rest by median drop.
    y_order = layers(chart)[0]["encoding"]["y"]["sort"]
    assert y_order == ["Paced breathing", "5-4-3-2-1 grounding", "Brisk walk"]
    # Every layer that draws skills has a tooltip giving n.
    for layer in layers(chart)[:4]:
        titles = [t["title"] for t in layer["encoding"]["tooltip"]]
        assert "Uses with an after rating" in titles


def test_a_skill_with_no_rated_use_is_left_out_of_the_drop_chart(db, clinic) -> None:
    build(clinic)
    # From 3 to 10 March client a logged only L3 (ground, no after rating): nothing to draw,
    # but the helpfulness chart is empty too (L3 has no helpfulness).
    effects = skill_effects(
        db, scope_for(db, "therapist", "p1"), "a", dt.date(2026, 3, 3), dt.date(2026, 3, 10)
    )
    assert effects["skill_id"].tolist() == ["ground"]
    spec = distress_drop_chart(effects).to_dict()
    dataset = next(iter(spec["datasets"].values()))
    assert dataset == []
    assert next(iter(helpfulness_chart(effects).to_dict()["datasets"].values())) == []


def test_every_coping_chart_has_tooltips_and_uses_the_okabe_ito_palette(db, clinic) -> None:
    build(clinic)
    p1 = scope_for(db, "therapist", "p1")
    team = scope_for(db, "supervisor", "sup")
    weekly = weekly_practice(db, p1, "a", dt.date(2026, 2, 16), dt.date(2026, 3, 31), "ga1", True)
    intervals = practice_between_checkins(db, p1, "a", "ga1", dt.date(2026, 2, 16), dt.date(2026, 3, 31))
    effects = skill_effects(db, p1, "a", *MARCH)
    charts = [
        weekly_practice_chart(weekly),
        distress_drop_chart(effects),
        helpfulness_chart(effects),
        practice_beside_progress_chart(weekly, intervals, "Self-rated progress (0–10)"),
        clinic_practice_chart(clinic_skills(db, team, *MARCH)),
        life_area_heatmap(life_area_practice(db, team, *MARCH)),
    ]
    allowed = set(OKABE_ITO.values()) | {"#F2F7FB"}  # the heat map's pale end, a tint of Okabe–Ito blue
    for chart in charts:
        spec = chart.to_dict()
        assert "tooltip" in json.dumps(spec)
        used = {token for token in colours(spec) if len(token) == 7}
        assert used and used <= allowed, used


def test_the_weekly_bars_span_monday_to_sunday(db, clinic) -> None:
    build(clinic)
    weekly = weekly_practice(db, scope_for(db, "therapist", "p1"), "a", *MARCH)
    spec = weekly_practice_chart(weekly).to_dict()
    assert spec["encoding"]["x"]["field"] == "week" and spec["encoding"]["x2"]["field"] == "week_end"
    assert spec["transform"] == [{"calculate": "timeOffset('hours', datum.week, 156)", "as": "week_end"}]
    # The axis is labelled on the Mondays of the data, not on Vega's Sundays: March 2026 begins on
    # Sunday the 1st, so the weeks start on Monday 23 February, then 2, 9, 16, 23 and 30 March.
    ticks = [(v["month"], v["date"]) for v in spec["encoding"]["x"]["axis"]["values"]]
    assert ticks == [(2, 23), (3, 2), (3, 9), (3, 16), (3, 23), (3, 30)]
