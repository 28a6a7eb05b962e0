"""Waymark's analytics library: schema, ingest, metrics and chart builders.

Nothing in this package imports Streamlit, so every function here can be used from the
CLI (`python -m analytics`), a notebook, a scheduled job or a test.
"""

__version__ = "0.1.0"
