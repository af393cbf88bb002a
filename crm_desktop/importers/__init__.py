"""CSV/XLSX/vCard readers, encoding detection and column mapping (no DB, no Qt).

Filled by the import issue."""
