"""Administrative hierarchy: import, look-up, scoping."""
