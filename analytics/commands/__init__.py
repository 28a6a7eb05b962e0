"""One module per CLI command; see analytics/cli.py."""

from __future__ import annotations

import getpass
import os

# The access log's "page" for what is done from the command line.
COMMAND_LINE_PAGE = "command line"


def command_line_user() -> str:
    """Who runs a `python -m analytics` command, for the access log: `os:NAME`."""
    try:
        return f"os:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name and no password-file entry (some containers)
        return f"os:uid-{os.getuid()}"
