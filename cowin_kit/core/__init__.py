"""Shared kernel: database base, errors, i18n helpers, audit, SMS, security. Imports no domain."""
