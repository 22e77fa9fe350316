"""Facilities, sessions, capacity, appointments and availability."""
