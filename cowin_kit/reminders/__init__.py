"""Due-dose reminders by SMS (#19): the scheduled job, the log that keeps it idempotent, and the
citizen's opt-out."""
