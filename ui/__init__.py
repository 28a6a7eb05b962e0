"""Streamlit glue shared by app.py and the pages: the database resource, cached calls
into `analytics`, the viewer, and widgets whose values live in the URL.

Only this package and `pages/` import Streamlit; `analytics/` never does.
"""
