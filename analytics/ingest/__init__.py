"""Import: CSV, Parquet and HL7 FHIR R4 files into Waymark, validated before any write.

`import_files(db, paths)` returns an `ImportReport`. See docs/data-format.md.
"""

from analytics.ingest.load import SUPPORTED, import_files
from analytics.ingest.report import ImportReport, Problem
from analytics.ingest.tables import MEASURES, TABLES

__all__ = ["MEASURES", "SUPPORTED", "TABLES", "ImportReport", "Problem", "import_files"]
