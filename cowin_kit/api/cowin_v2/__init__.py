"""CoWIN API v2: the shapes third-party tools were written against (docs/cowin-api.md).

Same paths, field names, date formats, status codes and error shapes as India's CoWIN, applying
the kit's own rules (profile ID validation, eligibility by schedule, atomic booking).
"""

# The route modules add their routes to ``blueprint.bp`` when imported. Importing them here, not
# at the bottom of blueprint.py, lets any of them be imported first (each imports ``bp`` from a
# blueprint module that no longer imports them back).
from cowin_kit.api.cowin_v2 import appointments, auth, availability, metadata, spec  # noqa: F401
