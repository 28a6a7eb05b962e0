"""Waymark: the router. Signs the viewer in, then shows only the pages their role may see."""

from __future__ import annotations

import streamlit as st

from ui.auth import account_sidebar, open_requested_page, sign_in_gate
from ui.first_run import database_ready
from ui.viewer import allow_pages

st.set_page_config(page_title="Waymark", page_icon=":material/flag:", layout="wide")

PAGES = {
    "caseload": st.Page("pages/caseload.py", title="Caseload", icon=":material/groups:", url_path="caseload"),
    "client": st.Page("pages/client.py", title="Client", icon=":material/person:", url_path="client"),
    "overview": st.Page(
        "pages/overview.py", title="Clinic overview", icon=":material/insights:", url_path="overview"
    ),
    "coping": st.Page(
        "pages/coping.py", title="Coping skills", icon=":material/self_improvement:", url_path="coping"
    ),
    "audit": st.Page(
        "pages/audit.py", title="Follow-up audit", icon=":material/fact_check:", url_path="audit"
    ),
    "data": st.Page("pages/data.py", title="Data", icon=":material/database:", url_path="data"),
    "users": st.Page("pages/users.py", title="Accounts", icon=":material/manage_accounts:", url_path="users"),
    "access_log": st.Page(
        "pages/access_log.py", title="Access log", icon=":material/policy:", url_path="access_log"
    ),
}

# Sections per role, in the order a person of that role would look.
NAVIGATION: dict[str, dict[str, list[str]]] = {
    "therapist": {"My work": ["caseload", "client", "overview", "coping"]},
    "supervisor": {"Supervision": ["audit", "caseload", "client", "overview", "coping"]},
    "admin": {
        "Clinic": ["audit", "caseload", "client", "overview", "coping"],
        "Administration": ["data", "users", "access_log"],
    },
}

database_ready()

# Nothing below runs until someone is signed in: the sign-in page is then the only page.
viewer = sign_in_gate()

sections = {section: [PAGES[name] for name in names] for section, names in NAVIGATION[viewer.role].items()}
page = st.navigation(sections, position="hidden")
# Each PAGES key is its file's name in pages/, so pages can check they are on this list.
allow_pages({name for names in NAVIGATION[viewer.role].values() for name in names})
open_requested_page(sections)
with st.sidebar:
    for section, pages in sections.items():
        st.caption(section)
        for entry in pages:
            st.page_link(entry, label=entry.title, icon=entry.icon)
account_sidebar(viewer)
page.run()
