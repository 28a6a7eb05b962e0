"""The timeline chart specs: the expected layers exist, data is drawn as it is (no
regression or smoothing transform), tooltips carry what a clinician needs."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd

from analytics import timeline as tl
from analytics.charts.timeline import (
    _phase_runs,
    goal_small_multiples,
    goal_timeline_chart,
    goal_timeline_view,
    label_rows,
    time_domain,
)
from analytics.coping import weekly_practice
from analytics.scope import Scope

P1 = Scope(("p1",))
AS_OF = dt.date(2026, 4, 5)


def build(clinic) -> None:
    """A 0–10 goal (baseline 2, target 8) rated weekly with a plateau, a sudden gain, a setback
    and a maintained target; two sessions without a rating; weekly coping-skill practice."""
    clinic.practitioner("p1")
    clinic.client("a", "p1")
    clinic.goal("g", "a", start="2026-01-05", baseline=2, target=8, description="Go to the shop alone")
    values = {0: 2, 1: 3, 2: None, 3: 3, 4: 4, 5: 7, 6: 6, 7: 4, 8: None, 9: 7, 10: 8, 11: 8}
    for i, value in values.items():
        day = dt.date(2026, 1, 12) + dt.timedelta(days=7 * i)
        clinic.session(f"s{i}", "a", day)
        if value is not None:
            clinic.checkin(
                f"k{i}", "g", day, value, session=f"s{i}", note="went with a friend" if i == 5 else None
            )
    clinic.skill("breathing")
    for i in range(12):
        clinic.coping_log(f"l{i}", "a", "breathing", f"2026-01-{13 + i}T09:00:00", 70, 50)


def frames(db):
    chain = tl.goal_chain(db, P1, "g", AS_OF)
    ids = chain["goal_id"].tolist()
    return (
        tl.goal_timeline(db, P1, "g", AS_OF),
        chain,
        tl.lifecycle_events(db, P1, ids, AS_OF),
        tl.goal_sessions(db, P1, ids, AS_OF),
    )


def layer_names(spec: dict) -> list[str]:
    names = []
    for layer in spec.get("layer", []):
        if "name" in layer:
            names.append(layer["name"])
        names.extend(layer_names(layer))
    return names


def test_the_timeline_has_every_expected_layer(db, clinic) -> None:
    build(clinic)
    spec = goal_timeline_chart(*frames(db), AS_OF, width=700).to_dict()
    assert set(layer_names(spec)) >= {
        "phase_bands",
        "phase_labels",
        "baseline",
        "target",
        "target_date",
        "events",
        "event_labels",
        "sessions_without_checkin",
        "trend",
        "checkins_path",
        "checkins",
    }


def test_no_regression_or_smoothing_transform_is_used_anywhere(db, clinic) -> None:
    build(clinic)
    points, chain, events, sessions = frames(db)
    practice = weekly_practice(db, P1, "a", dt.date(2026, 1, 5), AS_OF)
    panels = tl.client_goal_panels(db, P1, "a", AS_OF)
    for chart in (
        goal_timeline_view(points, chain, events, sessions, AS_OF, practice),
        goal_small_multiples(panels, time_domain(panels, chain, AS_OF)),
    ):
        text = json.dumps(chart.to_dict())
        for word in ('"regression"', '"loess"', '"interpolate": "basis"', '"monotone"'):
            assert word not in text


def test_check_ins_are_joined_in_time_order_with_tooltips_on_the_goals_own_scale(db, clinic) -> None:
    build(clinic)
    spec = goal_timeline_chart(*frames(db), AS_OF, width=700).to_dict()
    layers = {layer["name"]: layer for layer in spec["layer"]}
    path = layers["checkins_path"]
    assert path["mark"]["type"] == "line"
    assert path["encoding"]["order"]["field"] == "checkin_date"
    assert path["encoding"]["y"]["field"] == "value"  # one measure: the goal's own 0–10 scale
    titles = [t["title"] for t in layers["checkins"]["encoding"]["tooltip"]]
    assert {"Date", "Value", "Reported by", "Note"} <= set(titles)
    # Sessions s2 and s8 had no rating: two hollow marks.
    hollow = layers["sessions_without_checkin"]
    assert hollow["mark"]["filled"] is False
    data = spec["datasets"][hollow["data"]["name"]]
    assert [row["session_date"][:10] for row in data] == ["2026-01-26", "2026-03-09"]


def test_phase_bands_merge_consecutive_intervals_and_skip_plain_gains(db, clinic) -> None:
    build(clinic)
    points = frames(db)[0]
    # Ratings 2, 3, 3, 4, 7, 6, 4, 7, 8, 8: gain, plateau, gain, sudden gain (4 → 7 ≥ 3 and
    # ≥ 25% of 6, kept at 6), setback, setback, sudden gain (4 → 7, kept at 8), gain, maintaining.
    assert points["phase"].tolist() == [
        "start", "gain", "plateau", "gain", "sudden gain", "setback", "setback", "sudden gain", "gain", "maintaining",
    ]  # fmt: skip
    runs = _phase_runs(points)
    # The two setbacks in a row (16 Feb → 23 Feb → 2 Mar) form one band.
    assert runs["phase"].tolist() == ["plateau", "sudden gain", "setback", "sudden gain", "maintaining"]
    setback = runs[runs["phase"] == "setback"].iloc[0]
    assert (setback["start"], setback["end"]) == (pd.Timestamp("2026-02-16"), pd.Timestamp("2026-03-02"))
    assert setback["checkins"] == 2


def test_phase_bands_are_per_goal_when_two_goals_interleave_in_time() -> None:
    # Two goals checked in on alternating days (a revised chain's goals can overlap). Goal a:
    # 1 Mar start, 3 Mar plateau, 5 Mar plateau, 7 Mar gain, 9 Mar plateau. Goal b: 2 Mar
    # start, 4 Mar setback, 6 Mar setback, 8 Mar plateau. Interval i of a goal ends at its
    # check-in i, so a's plateau runs 1 → 5 Mar (2 check-ins), is broken by the gain (not
    # shaded), and starts again 7 → 9 Mar; b's setback runs 2 → 6 Mar (2), then its plateau
    # 6 → 8 Mar. Runs come goal by goal, in the order the goals first appear, then in time.
    day = pd.Timestamp("2026-03-01")
    rows = [
        ("a", 0, "start"), ("b", 1, "start"), ("a", 2, "plateau"), ("b", 3, "setback"),
        ("a", 4, "plateau"), ("b", 5, "setback"), ("a", 6, "gain"), ("b", 7, "plateau"),
        ("a", 8, "plateau"),
    ]  # fmt: skip
    points = pd.DataFrame(
        {
            "goal_id": [g for g, _, _ in rows],
            "checkin_date": [day + pd.Timedelta(days=d) for _, d, _ in rows],
            "seq": list(range(1, len(rows) + 1)),
            "phase": [p for _, _, p in rows],
            "provisional": False,
        }
    )
    runs = _phase_runs(points.sample(frac=1, random_state=3))  # the input order must not matter
    got = [
        (r.goal_id, r.phase, r.start.strftime("%d"), r.end.strftime("%d"), r.checkins)
        for r in runs.itertuples()
    ]
    assert got == [
        ("a", "plateau", "01", "05", 2),
        ("a", "plateau", "07", "09", 1),
        ("b", "setback", "02", "06", 2),
        ("b", "plateau", "06", "08", 1),
    ]


def test_phase_labels_that_would_overlap_in_both_rows_are_left_out() -> None:
    # 100 days on 800 px: 8 px a day. "plateau" is 7 × 6.5 = 45.5 px wide (22.75 each side of
    # its middle), and a label needs 8 px clear of the one before it in its row.
    day = pd.Timestamp("2026-01-01")
    middles = [day + pd.Timedelta(days=d) for d in (17, 10, 60, 14, 18)]  # not in time order
    rows = label_rows(middles, ["plateau"] * 5, ["2026-01-01", "2026-04-11"], 800)
    # Day 10: 57.25–102.75 px, top row. Day 14: 89.25–134.75 overlaps it, second row.
    # Day 17: 113.25–158.75 starts 10.5 px after the top row's last label ends (102.75 + 8 ≤
    # 113.25), top row. Day 18: 121.25 is before 158.75 + 8 and before 134.75 + 8, so nowhere.
    # Day 60: far from everything, top row.
    assert rows == [0, 0, 0, 1, None]


def test_a_dense_goal_labels_only_the_phases_that_fit_and_keeps_every_band(db, clinic) -> None:
    build(clinic)
    points, chain, events, sessions = frames(db)
    runs = _phase_runs(points)

    def drawn(width: int) -> tuple[list[dict], list[dict]]:
        spec = goal_timeline_chart(points, chain, events, sessions, AS_OF, width=width).to_dict()
        layers = {layer["name"]: spec["datasets"][layer["data"]["name"]] for layer in spec["layer"]}
        return layers["phase_bands"], layers["phase_labels"]

    # Wide enough: each of the 5 bands is labelled.
    bands, labels = drawn(700)
    assert len(bands) == len(labels) == len(runs) == 5
    # At 120 px (about 1.2 px a day over the ~13 weeks) the labels would pile up: fewer are
    # drawn, every band still is, and each drawn label is one of the runs.
    bands, labels = drawn(120)
    assert len(bands) == len(runs)
    assert 0 < len(labels) < len(runs)
    assert {row["label"] for row in labels} <= set(runs["label"])


def test_the_practice_panel_sits_under_the_timeline_on_a_shared_time_axis(db, clinic) -> None:
    build(clinic)
    points, chain, events, sessions = frames(db)
    practice = weekly_practice(db, P1, "a", dt.date(2026, 1, 5), AS_OF)
    spec = goal_timeline_view(points, chain, events, sessions, AS_OF, practice).to_dict()
    assert len(spec["vconcat"]) == 2
    assert spec["resolve"]["scale"]["x"] == "shared"
    # Altair suffixes a layer name it has seen before (`_1`); the roles are what matter.
    names = {
        name.rsplit("_", 1)[0] if name[-1].isdigit() else name for name in layer_names(spec["vconcat"][1])
    }
    assert names == {"practice_logs", "practice_distress_drop"}
    # Without practice the timeline stands alone.
    alone = goal_timeline_view(points, chain, events, sessions, AS_OF, practice.iloc[0:0]).to_dict()
    assert "vconcat" not in alone


def test_a_chain_that_changes_measure_is_drawn_in_progress_units(db, clinic) -> None:
    clinic.practitioner("p1")
    clinic.client("a", "p1")
    clinic.goal("old", "a", start="2026-01-05", measure="gad-7", baseline=15, target=5)
    clinic.checkin("k1", "old", "2026-01-12", 14)
    clinic.goal("new", "a", start="2026-02-02", baseline=3, target=8, revised_from="old")
    clinic.checkin("k2", "new", "2026-02-09", 4)
    chain = tl.goal_chain(db, P1, "new", AS_OF)
    spec = goal_timeline_chart(
        tl.goal_timeline(db, P1, "new", AS_OF),
        chain,
        tl.lifecycle_events(db, P1, chain["goal_id"].tolist(), AS_OF),
        tl.goal_sessions(db, P1, chain["goal_id"].tolist(), AS_OF),
        AS_OF,
        width=700,
    ).to_dict()
    layers = {layer["name"]: layer for layer in spec["layer"]}
    assert layers["checkins"]["encoding"]["y"]["field"] == "progress"
    events = spec["datasets"][layers["events"]["data"]["name"]]
    assert [e["label"] for e in events] == ["set", "revised"]


def test_small_multiples_draw_one_panel_per_goal_in_progress_units(db, clinic) -> None:
    build(clinic)
    clinic.goal("h", "a", start="2026-02-01", measure="phq-9", baseline=18, target=8, description="Mood")
    clinic.checkin("p1", "h", "2026-02-02", 16)
    panels = tl.client_goal_panels(db, P1, "a", AS_OF)
    spec = goal_small_multiples(panels, ["2026-01-01", "2026-04-10"]).to_dict()
    assert spec["facet"]["field"] == "panel_title"
    assert spec["spec"]["layer"][2]["encoding"]["y"]["field"] == "progress"
    data = pd.DataFrame(spec["datasets"][spec["data"]["name"]])
    assert sorted(data["panel"].unique()) == ["Go to the shop alone", "Mood"]


def test_the_printed_report_wraps_whole_goal_titles_and_draws_a_time_axis_under_each_panel(
    db, clinic
) -> None:
    build(clinic)
    long = "Go to the corner shop on my own twice a week without calling anyone first"
    clinic.goal("h", "a", start="2026-02-01", measure="phq-9", baseline=18, target=8, description=long)
    clinic.checkin("p1", "h", "2026-02-02", 16)
    panels = tl.client_goal_panels(db, P1, "a", AS_OF)
    spec = goal_small_multiples(panels, ["2026-01-01", "2026-04-10"], full_titles=True).to_dict()
    titles = set(pd.DataFrame(spec["datasets"][spec["data"]["name"]])["panel_title"])
    wrapped = next(t for t in titles if t.startswith("Go to the corner"))
    # Every word is kept (no ellipsis), over more than one line, split again by the header.
    assert wrapped.replace("\n", " ").startswith(long) and "\n" in wrapped
    assert spec["facet"]["header"]["labelExpr"] == "split(datum.value, '\\n')"
    assert spec["resolve"]["axis"]["x"] == "independent"
    # The page's small multiples keep one line per title, and a time axis under each panel
    # too: with one per column, a column whose last row has no panel drew its axis under an
    # empty cell (five goals in three columns), which read as an empty goal.
    page = goal_small_multiples(panels, ["2026-01-01", "2026-04-10"]).to_dict()
    assert "labelExpr" not in page["facet"]["header"]
    assert page["resolve"]["axis"]["x"] == "independent"
    assert page["resolve"]["scale"]["y"] == "independent" and "x" not in page["resolve"]["scale"]
