"""CoWIN API v2: the shapes third-party tools were written against (docs/cowin-api.md).

Same paths, field names, date formats, status codes and error shapes as India's CoWIN, applying
the kit's own rules (profile ID validation, eligibility by schedule, atomic booking).
"""
