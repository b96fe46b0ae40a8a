"""Anonymised annual statistics: counts from clear metadata and retention
tallies, disclosure control, exports and the report page."""
