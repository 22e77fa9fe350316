"""Reporting: dose counters kept in step with dose records, dashboards, ministry reports, exports,
FHIR bundles. Reads every domain; its only writes are its own counters and target populations."""
