"""The import report: every problem found (file, row or resource, column, reason) and,
after a successful import, how many rows were inserted, updated or left unchanged.

Reasons never quote a cell's value: they name the rule that was broken, so the report is
safe to show, download and attach to a support request.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    file: str
    row: str  # a data row number (header = row 1), "line N", or a FHIR resource "Type/id"
    column: str
    reason: str
    severity: str = ERROR


@dataclass
class ImportReport:
    files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # table -> {"inserted": n, "updated": n, "unchanged": n}
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    # FHIR resources not turned into rows, by "ResourceType: reason"
    skipped: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)  # what the importer decided, in words
    written: bool = False
    rows_read: int = 0
    seconds: float = 0.0
    # Seconds per step, in order: read, check, compare, write, derived, commit (the steps run).
    phases: dict[str, float] = field(default_factory=dict)
    _seen: set[Problem] = field(default_factory=set, repr=False)

    def add(self, problem: Problem) -> None:
        # A FHIR Goal feeds two tables (goals, goal_events): report a broken element once.
        if problem not in self._seen:
            self._seen.add(problem)
            self.problems.append(problem)

    def error(self, file: str, row: str, column: str, reason: str) -> None:
        self.add(Problem(file, row, column, reason, ERROR))

    def warn(self, file: str, row: str, column: str, reason: str) -> None:
        self.add(Problem(file, row, column, reason, WARNING))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def problems_frame(self) -> pd.DataFrame:
        """One row per problem: severity, file, row, column, reason (errors first)."""
        frame = pd.DataFrame(
            [(p.severity, p.file, p.row, p.column, p.reason) for p in self.problems],
            columns=["severity", "file", "row", "column", "reason"],
        )
        if frame.empty:
            return frame
        # Rows are numbers for CSV and resource ids for FHIR: sort numbers as numbers.
        frame["_n"] = pd.to_numeric(frame["row"], errors="coerce")
        frame["_e"] = frame["severity"] != ERROR
        frame = frame.sort_values(["_e", "file", "_n", "row", "column"], kind="stable")
        return frame.drop(columns=["_n", "_e"]).reset_index(drop=True)

    def counts_frame(self) -> pd.DataFrame:
        """One row per table: inserted, updated, unchanged."""
        rows = [{"table": t, **c} for t, c in self.counts.items()]
        return pd.DataFrame(rows, columns=["table", "inserted", "updated", "unchanged"])

    def summary(self) -> str:
        """One line: accepted or rejected, and why."""
        if not self.ok:
            return (
                f"Rejected: {len(self.errors)} error(s), {len(self.warnings)} warning(s) in "
                f"{len(self.files)} file(s). Nothing was written."
            )
        ins = sum(c["inserted"] for c in self.counts.values())
        upd = sum(c["updated"] for c in self.counts.values())
        same = sum(c["unchanged"] for c in self.counts.values())
        verb = "Imported" if self.written else "Valid"
        return (
            f"{verb}: {ins} inserted, {upd} updated, {same} unchanged, "
            f"{len(self.warnings)} warning(s), {sum(self.skipped.values())} resource(s) skipped."
        )

    def to_text(self) -> str:
        """The whole report as plain text (the CLI prints this)."""
        out = io.StringIO()
        out.write(self.summary() + "\n")
        frame = self.problems_frame()
        for p in frame.itertuples(index=False):
            row = str(p.row)
            where = f"{p.file}, row {row}" if row.isdigit() else f"{p.file}, {row}" if row else p.file
            col = f", column {p.column}" if p.column else ""
            out.write(f"  {p.severity}: {where}{col}: {p.reason}\n")
        if self.counts:
            out.write("Rows per table (inserted / updated / unchanged):\n")
            for table, c in self.counts.items():
                out.write(f"  {table}: {c['inserted']} / {c['updated']} / {c['unchanged']}\n")
        if self.skipped:
            out.write("Skipped FHIR resources:\n")
            for reason, n in sorted(self.skipped.items()):
                out.write(f"  {n} x {reason}\n")
        for note in self.notes:
            out.write(f"Note: {note}\n")
        return out.getvalue()

    def to_csv(self) -> bytes:
        """The problems as a CSV download (formula-safe)."""
        from analytics.exports import to_safe_csv

        return to_safe_csv(self.problems_frame())
