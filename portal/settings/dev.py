"""The embedded demo: `make demo`. Not for the internet."""

from .base import *  # noqa: F403
from .base import DATA_DIR, env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production-0123456789"  # noqa: S105
# Serve straight from the app folders so the demo needs no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The demo: staff may sign in with the password alone until they set up a second factor.
PORTAL_REQUIRE_2FA = env_bool("PORTAL_REQUIRE_2FA", False)

DATA_DIR.mkdir(parents=True, exist_ok=True)
