"""WSGI entry point for gunicorn: ``gunicorn cowin_kit.wsgi:app``.

In production mode (COWIN_KIT_ENV=production) the settings are checked when the app is created
and the database role before the first request: under gunicorn its master has already checked
it (deploy/gunicorn.conf.py), under any other server this module does it once per process.

The country profile is loaded here, before the process serves (with ``preload_app``, once in
gunicorn's master): a worker's first requests would otherwise wait for it, and on a pod started
during a rush those are the rush.
"""

from cowin_kit.app import create_app
from cowin_kit.production import check_database_role
from cowin_kit.profiles import get_profile

app = create_app()
check_database_role(app)
with app.app_context():
    get_profile()
