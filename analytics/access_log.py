"""The access log: who viewed or exported which client's data, when, and from which page.

Append-only from the app: this module is the app's only way to the `access_log` table and
it can insert and read, never update or delete (a test checks that no Waymark code outside
the schema's migrations writes UPDATE or DELETE against the table). Rows name the client
by id only, never by name or note, so the log itself holds no clinical content.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analytics.db import Database
from analytics.errors import WaymarkError
from analytics.scope import Scope

# What a row records. "view" and "export" name a client when one was shown; "denied" is a
# request for a client outside the viewer's scope (nothing of it was shown); "account" is an
# administrator's change to an account (detail says which).
ACTIONS: tuple[str, ...] = ("view", "export", "denied", "sign-in", "sign-out", "import", "account")
SEARCH_LIMIT = 10_000


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def record_access(
    db: Database,
    user_id: str,
    action: str,
    page: str,
    client_id: str | None = None,
    detail: str | None = None,
    *,
    now: dt.datetime | None = None,
) -> None:
    """Append one row to the access log (time in UTC); nothing else is ever written to it."""
    if action not in ACTIONS:
        raise WaymarkError(f"Unknown access-log action {action!r}; use one of {', '.join(ACTIONS)}.")
    if not user_id or not page:
        raise WaymarkError("An access-log row needs the user and the page.")
    db.execute_sql(
        "INSERT INTO access_log (accessed_at, user_id, action, page, client_id, detail) "
        "VALUES ($at, $user, $action, $page, $client, $detail)",
        {
            "at": now or _utc_now(),
            "user": user_id,
            "action": action,
            "page": page,
            "client": client_id,
            "detail": detail,
        },
        # A row here changes no answer but the access log's, which is read uncached
        # (pages/access_log.py): viewing a client must not make every cached answer stale.
        changes_data=False,
    )


def search_access_log(
    db: Database,
    scope: Scope,
    user: str | None = None,
    client: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    action: str | None = None,
    limit: int = SEARCH_LIMIT,
) -> pd.DataFrame:
    """Access-log rows, newest first, matching every filter given (dates inclusive, UTC).

    `user` matches part of the user id (e-mail); `client` a client id or display code
    exactly. Rows about clients outside `scope` are left out; rows naming an id that is
    no client (a mistyped or probing URL) are kept, as they reveal no one.
    """
    return db.query(
        "access_log.search",
        {
            **scope.params(),
            "user": (user or "").strip() or None,
            "client": (client or "").strip() or None,
            "action": action or None,
            "date_from": dt.datetime.combine(date_from, dt.time()) if date_from else None,
            "date_to": dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time()) if date_to else None,
            "limit": int(limit),
        },
    )
