"""PDF report builders with reportlab: DTOs in, PDF bytes out (no DB, no Qt).

Filled by the reports issue."""
