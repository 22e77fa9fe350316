"""cowin-kit: an open-source national vaccination platform any ministry can run."""

__version__ = "0.1.0"
