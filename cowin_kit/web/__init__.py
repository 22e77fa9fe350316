"""Layout, static files, language switcher, home page and health checks."""
