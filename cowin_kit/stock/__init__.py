"""Vaccine stock: stores, lots, shipments, ledger, vials, cold chain (issue #20)."""
