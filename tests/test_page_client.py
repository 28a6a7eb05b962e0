"""The Client page under AppTest: choose a client and a goal, the timeline appears, the URL
reproduces the view, and a client outside the viewer's scope is refused."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

from analytics.db import Database
from tests.apptest import chart_data, run_page, viewer_for
from tests.factories import Clinic


@pytest.fixture
def clinic_file(tmp_path):
    """Client A (p1) with a revised goal chain, a GAS goal and a PHQ-9 goal; client B (p2)."""
    db = Database(tmp_path / "client.duckdb")
    db.migrate()
    c = Clinic(db)
    c.practitioner("p1", name="Dr One")
    c.practitioner("p2", name="Dr Two")
    c.client("a", "p1", intake="2026-01-05", code="C-101")
    c.client("b", "p2", intake="2026-01-05", code="C-202")
    c.client("e", "p1", intake="2026-01-05", code="C-103")  # no goals yet
    for i, day in enumerate(["01-12", "01-19", "01-26", "02-02", "02-09", "02-16", "02-23"], start=1):
        c.session(f"s{i}", "a", f"2026-{day}")
    c.goal("g1", "a", start="2026-01-05", baseline=2, target=8, description="Sleep through the night")
    c.checkin("k1", "g1", "2026-01-12", 3, session="s1")
    c.checkin("k2", "g1", "2026-01-26", 5, session="s3")
    c.set_status("g1", "2026-02-02", "cancelled")
    c.goal(
        "g2", "a", start="2026-02-02", baseline=5, target=9, revised_from="g1", description="Sleep 7 hours"
    )
    c.checkin("k3", "g2", "2026-02-09", 6, session="s5", note="new routine")
    c.checkin("k4", "g2", "2026-02-23", 7, session="s7")
    c.goal(
        "gas", "a", start="2026-01-05", measure="gas", baseline=-1, target=0, description="Speak up at work"
    )
    c.checkin("kg", "gas", "2026-02-09", 1)
    c.goal("mood", "a", start="2026-01-05", measure="phq-9", baseline=18, target=5, description="Lift mood")
    c.checkin("m1", "mood", "2026-01-12", 18)
    c.checkin("m2", "mood", "2026-02-23", 11)
    c.goal("gb", "b", start="2026-01-05", description="B's goal")
    c.checkin("kb", "gb", "2026-01-12", 4)
    db.close()
    return tmp_path / "client.duckdb"


def therapist(path, pid="p1"):
    db = Database(path)
    viewer = viewer_for(db, "therapist", pid)
    db.close()
    return viewer


def dataset(at, index: int, name: str) -> pd.DataFrame:
    """A named dataset of a chart (Streamlit ships datasets beside the spec)."""
    for ds in at.get("vega_lite_chart")[index].proto.datasets:
        if ds.name == name:
            return convert_arrow_bytes_to_pandas_df(ds.data.data)
    raise KeyError(name)


def checkin_table(at) -> pd.DataFrame:
    """The timeline's table alternative (the table with a Phase column)."""
    return next(df.value for df in at.dataframe if "phase" in df.value.columns)


def timeline_index(at) -> int | None:
    """The index of the chart that is a goal timeline (it has a `checkins_path` layer)."""
    for i, el in enumerate(at.get("vega_lite_chart")):
        if '"checkins_path"' in el.proto.spec:
            return i
    return None


def test_choosing_a_client_then_a_goal_opens_its_timeline(clinic_file, monkeypatch) -> None:
    at = run_page("client", clinic_file, therapist(clinic_file), {"as_of": "2026-03-01"}, monkeypatch)
    assert not at.exception
    assert "Choose a client" in at.info[0].value
    # Only p1's clients are offered, by display code.
    picker = at.selectbox(key="client_pick")
    assert picker.options == ["C-101", "C-103"]

    at = picker.select("a").run()
    assert not at.exception
    assert at.query_params["client"] == "a"
    metrics = {m.label: m.value for m in at.metric}
    # Active goals: g2, gas, mood (g1 was cancelled when revised).
    assert metrics["Active goals"] == "3"
    # One GAS goal at +1: T = 50 + 10·1/√(0.7 + 0.3) = 60.0.
    assert metrics["GAS T-score"] == "60.0"
    # PHQ-9 18 → 11: moderate now, −7 is beyond the 6-point reliable change.
    phq = next(m for m in at.metric if m.label.startswith("PHQ-9"))
    assert phq.value == "11"
    assert any("**moderate** · first 18 (moderately severe)" in c.value for c in at.caption)
    assert "reliable improvement" in phq.proto.delta
    assert timeline_index(at) is None  # no goal chosen yet

    at = at.selectbox(key="goal_pick").select("g2").run()
    assert not at.exception
    assert at.query_params["goal"] == "g2"
    index = timeline_index(at)
    assert index is not None
    # The revised chain is shown whole: g1's two check-ins, then g2's.
    spec = json.loads(at.get("vega_lite_chart")[index].proto.spec)
    names = [layer.get("name") for layer in (spec.get("vconcat", [spec])[0]["layer"])]
    assert "sessions_without_checkin" in names
    assert any("Revised goal" in info.value for info in at.info)


def test_the_url_reproduces_the_view(clinic_file, monkeypatch) -> None:
    params = {"as_of": "2026-03-01", "client": "a", "goal": "g2"}
    at = run_page("client", clinic_file, therapist(clinic_file), params, monkeypatch)
    assert not at.exception
    assert at.selectbox(key="client_pick").value == "a"
    assert at.selectbox(key="goal_pick").value == "g2"
    index = timeline_index(at)
    spec = json.loads(at.get("vega_lite_chart")[index].proto.spec)
    layers = {layer.get("name"): layer for layer in spec["layer"]}
    points = dataset(at, index, layers["checkins"]["data"]["name"])
    # g1: 3, 5; g2: 6, 7 — in time order, on the 0–10 scale.
    assert points["value"].tolist() == [3, 5, 6, 7]
    assert points["note"].tolist()[2] == "new routine"
    # The table alternative lists the same check-ins.
    table = checkin_table(at)
    assert table["value"].tolist() == [3, 5, 6, 7]
    # Changing the goal changes the view and the URL.
    at = at.selectbox(key="goal_pick").select("mood").run()
    assert at.query_params["goal"] == "mood"
    assert checkin_table(at)["value"].tolist() == [18, 11]
    # Changing the client clears the goal.
    at = at.selectbox(key="client_pick").select("e").run()
    assert "goal" not in at.query_params
    assert any("No goals have been set for C-103" in info.value for info in at.info)


def test_small_multiples_show_one_panel_per_goal_chain(clinic_file, monkeypatch) -> None:
    params = {"as_of": "2026-03-01", "client": "a"}
    at = run_page("client", clinic_file, therapist(clinic_file), params, monkeypatch)
    data = chart_data(at, 0)
    # Three panels: the sleep chain (g1 folded into g2), GAS and PHQ-9.
    assert sorted(data["panel"].unique()) == ["Lift mood", "Sleep 7 hours", "Speak up at work"]
    assert len(data) == 7  # 4 sleep + 1 GAS + 2 PHQ-9 check-ins


def test_a_client_outside_the_viewers_scope_is_refused(clinic_file, monkeypatch) -> None:
    params = {"as_of": "2026-03-01", "client": "b"}
    at = run_page("client", clinic_file, therapist(clinic_file), params, monkeypatch)
    assert not at.exception
    assert "Access is not allowed" in at.error[0].value
    # Nothing of the client is shown: no code, no metrics, no charts.
    shown = " ".join(e.value for e in (*at.markdown, *at.caption, *at.info) if isinstance(e.value, str))
    assert "C-202" not in shown
    assert not at.metric
    assert not at.get("vega_lite_chart")


def test_a_goal_without_check_ins_says_so_kindly(clinic_file, monkeypatch) -> None:
    db = Database(clinic_file)
    Clinic(db).goal("new", "a", start="2026-02-20", description="Call a friend weekly")
    db.close()
    params = {"as_of": "2026-03-01", "client": "a", "goal": "new"}
    at = run_page("client", clinic_file, therapist(clinic_file), params, monkeypatch)
    assert not at.exception
    # s7 (23 Feb) was attended after the goal was set, without a check-in of it.
    assert any(
        "No check-in has been recorded for this goal yet; 1 attended session" in i.value for i in at.info
    )


def test_the_clients_therapist_can_download_their_progress_report_and_it_is_logged(
    clinic_file, monkeypatch
) -> None:
    from tests.test_access_matrix import MANAGERS, STORAGES, RecordingManager, RecordingStorage

    monkeypatch.setattr("streamlit.testing.v1.app_test.MemoryMediaFileStorage", RecordingStorage)
    monkeypatch.setattr("streamlit.testing.v1.app_test.MediaFileManager", RecordingManager)
    at = run_page(
        "client", clinic_file, therapist(clinic_file), {"client": "a", "as_of": "2026-03-01"}, monkeypatch
    )
    assert not at.exception
    buttons = {b.key: b for b in at.get("download_button")}
    assert list(buttons) == ["progress_report_pdf", "progress_report_png"]
    # Built only when clicked (deferred), as PDF and PNG, for client a as of 1 March.
    for key, magic in (("progress_report_pdf", b"%PDF"), ("progress_report_png", b"\x89PNG")):
        assert buttons[key].proto.deferred_file_id and not buttons[key].proto.url
        url = MANAGERS[-1].execute_deferred(buttons[key].proto.deferred_file_id)
        built = STORAGES[-1].get_file(url.rsplit("/", 1)[-1].split("?")[0])
        assert bytes(built.content).startswith(magic)
        assert built.filename == f"progress-report-C-101-2026-03-01.{key[-3:]}"
    # Each file built is one export row, written as it is built (the browser fetches it after
    # the click; the click itself does not rerun the page: ui/access.recorded_download).
    rows = "SELECT user_id, action, page, client_id, detail FROM access_log WHERE action = 'export' ORDER BY access_id"
    assert Database(clinic_file).query_sql(rows).values.tolist() == [
        ["p1", "export", "client", "a", "progress-report.pdf"],
        ["p1", "export", "client", "a", "progress-report.png"],
    ]
    at.download_button(key="progress_report_pdf").click().run()
    assert not at.exception
    assert len(Database(clinic_file).query_sql(rows)) == 2


def test_a_chart_drawn_from_its_cached_spec_is_the_chart_st_altair_chart_draws() -> None:
    # ui/charts.py uses Streamlit's private conversion of an Altair chart (without the schema
    # check) so that the spec can be cached; drawn with st.vega_lite_chart, it must give what
    # st.altair_chart gives.
    from streamlit.testing.v1 import AppTest

    def script() -> None:
        import altair as alt
        import pandas as pd
        import streamlit as st

        from ui.charts import vega_lite

        frame = pd.DataFrame({"day": pd.to_datetime(["2026-01-05", "2026-01-12"]), "value": [3.0, 5.5]})
        chart = alt.Chart(frame).mark_line().encode(x="day:T", y="value:Q").properties(width=300)
        st.altair_chart(chart, theme=None, width="content")
        st.vega_lite_chart(spec=vega_lite(chart), theme=None, width="content")

    at = AppTest.from_function(script).run()
    assert not at.exception
    drawn, cached = (el.proto for el in at.get("vega_lite_chart"))
    assert json.loads(drawn.spec) == json.loads(cached.spec)
    assert [(d.name, d.data.data) for d in drawn.datasets] == [(d.name, d.data.data) for d in cached.datasets]
    assert len(drawn.datasets) == 1 and drawn.datasets[0].data.data


def test_a_rerun_draws_the_timeline_from_the_cached_spec_without_building_it_again(
    clinic_file, monkeypatch
) -> None:
    import ui.charts

    built: list[str] = []
    original = ui.charts.goal_timeline_view

    def counting(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        built.append("timeline")
        return original(*args, **kwargs)

    monkeypatch.setattr(ui.charts, "goal_timeline_view", counting)
    params = {"as_of": "2026-03-01", "client": "a", "goal": "g2"}
    at = run_page("client", clinic_file, therapist(clinic_file), params, monkeypatch)
    assert not at.exception and built == ["timeline"]
    first = at.get("vega_lite_chart")[timeline_index(at)].proto.spec
    # The first run wrote an access-log row; a checkpoint (as when the app's gateway stops
    # lingering) moves it into the file. Both change the file but no answer, so the rerun
    # still finds the cached spec (this flaked on CI while the key was the file's mtime).
    stamp = clinic_file.stat().st_mtime_ns
    other = Database(clinic_file)
    other.execute_sql("CHECKPOINT", changes_data=False)
    other.close()
    assert clinic_file.stat().st_mtime_ns != stamp
    at.run()
    assert not at.exception and built == ["timeline"]
    assert at.get("vega_lite_chart")[timeline_index(at)].proto.spec == first
    # Another goal is another answer, built afresh.
    at.selectbox(key="goal_pick").select("mood").run()
    assert not at.exception and built == ["timeline", "timeline"]
    # An import forgets the cached data and the charts drawn from it.
    from ui.data import clear_cache

    clear_cache()
    at.run()
    assert not at.exception and built == ["timeline", "timeline", "timeline"]
