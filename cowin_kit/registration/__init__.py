"""Beneficiaries and their identity documents."""
