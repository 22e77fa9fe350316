"""Citizen mobile accounts with OTP; staff users, roles and scopes."""
