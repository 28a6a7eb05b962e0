"""Role × page × query parameter: nobody sees a client outside their scope, by any route.

Every page registered in app.py runs under AppTest as each viewer, first plainly and then
with URL parameters naming clients, goals and practitioners outside the viewer's scope.
Everything the page sends to the browser (text, tables, chart data, widget options, in
main area and sidebar) and every file its download buttons offer (the exports) is searched
for any trace of a client the viewer may not see.

The clinic (worked out by hand):
- sup supervises t1 and t2; sup2 supervises t3.
- alpha is t1's client, bravo t2's, charlie t3's. Each has one active goal with check-ins
  at four attended sessions, and coping-skill logs.
So t1 may see alpha only; sup may see alpha and bravo (t1 and t2 are their team), not
charlie; t3 may see charlie only; the admin sees all three.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from analytics.db import Database
from tests.apptest import run_page, viewer_for
from tests.factories import Clinic
from tests.test_sign_in import navigation

PAGES = sorted(navigation()[0])  # every page in app.py's PAGES, so new pages join the matrix

CLIENTS = {
    # name: (client id, display code, practitioner, goal id, goal description)
    "alpha": ("cl-alpha", "QA-1001", "t1", "gl-alpha", "Walk to the harbour alphawalk"),
    "bravo": ("cl-bravo", "QB-2002", "t2", "gl-bravo", "Call my sister bravocall"),
    "charlie": ("cl-charlie", "QC-3003", "t3", "gl-charlie", "Cook dinner twice charliecook"),
}
SESSIONS = ["2026-10-05", "2026-10-19", "2026-11-02", "2026-11-16"]

# viewer -> (role, practitioner, clients they may see)
VIEWERS = {
    "therapist t1": ("therapist", "t1", {"alpha"}),
    "therapist t3": ("therapist", "t3", {"charlie"}),
    "supervisor sup": ("supervisor", "sup", {"alpha", "bravo"}),
    "admin": ("admin", None, {"alpha", "bravo", "charlie"}),
}


@pytest.fixture(scope="module")
def clinic_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("matrix") / "clinic.duckdb"
    db = Database(path)
    db.migrate()
    c = Clinic(db)
    c.practitioner("sup", role="supervisor", name="Sam Super")
    c.practitioner("sup2", role="supervisor", name="Sue Super")
    c.practitioner("t1", supervisor="sup", name="Tess One")
    c.practitioner("t2", supervisor="sup", name="Tom Two")
    c.practitioner("t3", supervisor="sup2", name="Tia Three")
    c.skill("sk1", "Paced breathing")
    for name, (cid, code, pid, gid, description) in CLIENTS.items():
        c.client(cid, pid, intake=SESSIONS[0], code=code)
        c.goal(gid, cid, start=SESSIONS[0], baseline=2, target=8, description=description)
        for i, day in enumerate(SESSIONS):
            c.session(f"s-{name}-{i}", cid, day)
            c.checkin(f"k-{name}-{i}", gid, day, 3 + i, session=f"s-{name}-{i}")
            c.coping_log(f"log-{name}-{i}", cid, "sk1", f"{day}T20:00:00", 70, 40, 4, goal=gid)
    db.close()
    return path


STORAGES: list[MemoryMediaFileStorage] = []


class RecordingStorage(MemoryMediaFileStorage):
    """AppTest's in-memory media store, remembered so a test can read download contents."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        STORAGES.append(self)


MANAGERS: list[MediaFileManager] = []


class RecordingManager(MediaFileManager):
    """AppTest's media file manager, remembered so a test can run deferred downloads."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        MANAGERS.append(self)


@pytest.fixture(autouse=True)
def record_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    STORAGES.clear()
    MANAGERS.clear()
    monkeypatch.setattr("streamlit.testing.v1.app_test.MemoryMediaFileStorage", RecordingStorage)
    monkeypatch.setattr("streamlit.testing.v1.app_test.MediaFileManager", RecordingManager)


def downloads(at) -> list[bytes]:  # noqa: ANN001 - an AppTest
    """The bytes behind every download button of the last run (the exports). A deferred
    download (built on click) is built here, as a click would, so its contents are read too."""
    files = []
    for button in at.get("download_button"):
        url = button.proto.url
        if button.proto.deferred_file_id:
            url = MANAGERS[-1].execute_deferred(button.proto.deferred_file_id)
        name = url.rsplit("/", 1)[-1].split("?")[0]
        files.append(bytes(STORAGES[-1].get_file(name).content))
    return files


def shown(at) -> str:  # noqa: ANN001 - an AppTest
    """Everything the page sends to the browser, as text (protobufs include table bytes),
    and the contents of every export it offers."""
    parts: list[str] = [blob.decode("utf-8", "replace") for blob in downloads(at)]

    def walk(node) -> None:  # noqa: ANN001
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def traces(name: str) -> list[str]:
    cid, code, _, gid, description = CLIENTS[name]
    return [cid, code, gid, description.split()[-1]]


def probes(foreign: set[str]) -> list[dict[str, str]]:
    """URL parameters that name what the viewer may not see."""
    params: list[dict[str, str]] = [{}]
    for name in sorted(foreign):
        cid, code, pid, gid, _ = CLIENTS[name]
        params += [{"client": cid}, {"client": code}, {"client": cid, "goal": gid}, {"who": pid}]
    return params


@pytest.mark.parametrize("viewer_name", sorted(VIEWERS))
@pytest.mark.parametrize("page", PAGES)
def test_no_page_or_parameter_shows_a_client_outside_the_viewers_scope(
    clinic_path: Path, monkeypatch: pytest.MonkeyPatch, page: str, viewer_name: str
) -> None:
    role, practitioner, allowed = VIEWERS[viewer_name]
    foreign = set(CLIENTS) - allowed
    viewer = viewer_for(Database(clinic_path), role, practitioner, f"{viewer_name}@example.org")
    for params in probes(foreign):
        at = run_page(page, clinic_path, viewer, params, monkeypatch)
        assert not at.exception, (page, params, at.exception)
        text = shown(at)
        for name in foreign:
            for trace in traces(name):
                # The URL's own words may come back in a link or a widget; anything else
                # about the client (its code, id, goal, description) must not.
                if trace in params.values():
                    continue
                assert trace not in text, f"{viewer_name} sees {trace!r} of {name} on {page} with {params}"
        if "client" in params and page in {"client", "coping"}:
            assert any("Access is not allowed" in e.value for e in at.error), (page, params)


@pytest.mark.parametrize("viewer_name", sorted(VIEWERS))
def test_the_caseload_lists_exactly_the_viewers_clients(
    clinic_path: Path, monkeypatch: pytest.MonkeyPatch, viewer_name: str
) -> None:
    role, practitioner, allowed = VIEWERS[viewer_name]
    viewer = viewer_for(Database(clinic_path), role, practitioner, f"{viewer_name}@example.org")
    at = run_page("caseload", clinic_path, viewer, None, monkeypatch)
    assert not at.exception
    text = shown(at)
    present = {name for name in CLIENTS if CLIENTS[name][1] in text}
    assert present == allowed


@pytest.mark.parametrize(
    ("viewer_name", "client", "visible"),
    [
        # A supervisor opens a team member's client: allowed, and the goal is shown.
        ("supervisor sup", "bravo", True),
        # The same supervisor asks for another team's client: refused, nothing shown.
        ("supervisor sup", "charlie", False),
        ("therapist t1", "alpha", True),
        ("therapist t1", "bravo", False),
        ("admin", "charlie", True),
    ],
)
def test_the_client_page_opens_exactly_the_clients_in_scope_and_logs_each_attempt(
    clinic_path: Path, monkeypatch: pytest.MonkeyPatch, viewer_name: str, client: str, visible: bool
) -> None:
    role, practitioner, _ = VIEWERS[viewer_name]
    user = f"{viewer_name}@example.org"
    viewer = viewer_for(Database(clinic_path), role, practitioner, user)
    cid, code, _, _, description = CLIENTS[client]
    at = run_page("client", clinic_path, viewer, {"client": cid}, monkeypatch)
    assert not at.exception
    assert (description.split()[-1] in shown(at)) is visible
    assert any("Access is not allowed" in e.value for e in at.error) is not visible
    # shown() builds the page's progress reports as a download would, and each file built is
    # an export row of its own (tests/test_page_client.py); the visit is the row before them.
    last = Database(clinic_path).query_sql(
        "SELECT user_id, action, page, client_id FROM access_log WHERE action <> 'export' "
        "ORDER BY access_id DESC LIMIT 1"
    )
    assert last.values.tolist() == [[user, "view" if visible else "denied", "client", cid]]


def test_the_matrix_sees_exports_a_supervisors_audit_csv_holds_their_team_only(
    clinic_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard for the matrix itself: the audit page offers CSV exports, and their contents
    # are read. sup's case list names the team's clients (alpha, QA-1001), never t3's.
    viewer = viewer_for(Database(clinic_path), "supervisor", "sup", "sup@example.org")
    at = run_page("audit", clinic_path, viewer, None, monkeypatch)
    files = downloads(at)
    assert files, "the audit page offers at least one CSV export"
    text = b"\n".join(files).decode()
    assert "QA-1001" in text and "Tess One" in text
    assert "QC-3003" not in text and "Tia Three" not in text
