"""Which proxies are trusted: COWIN_KIT_TRUSTED_PROXIES hops in front of the kit (nginx, an
ingress controller, a load balancer), applied with werkzeug's ProxyFix.

With N trusted hops, the client address is the Nth entry from the right of X-Forwarded-For (each
proxy appends the address it was reached from), and the scheme and host come from the Nth
X-Forwarded-Proto and X-Forwarded-Host. Everything a client writes to the left of what the
trusted proxies appended is ignored, so nobody picks their own rate-limit bucket or audit address.
With 0 (the default: clients connect directly) every X-Forwarded-* header is ignored. Setting more
hops than there really are lets clients forge their address; fewer makes every citizen behind the
proxies share one address (and one rate limit).
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from cowin_kit.config import ConfigError


def trusted_hops(app: Flask) -> int:
    """Return TRUSTED_PROXIES as a whole number of hops; ConfigError says how to fix it."""
    value = app.config.get("TRUSTED_PROXIES", 0)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise ConfigError(
            f"COWIN_KIT_TRUSTED_PROXIES must be the number of proxies in front of the kit that "
            f"append to X-Forwarded-For (0 to 10; 0 when clients connect directly), not {value!r}")
    return value


def init_app(app: Flask) -> None:
    """Take the client's address, scheme and host from the trusted proxies' headers."""
    hops = trusted_hops(app)
    app.config["TRUSTED_PROXIES"] = hops
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
