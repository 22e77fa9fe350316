"""Vaccinator desk, dose records, walk-ins, AEFI reports."""
