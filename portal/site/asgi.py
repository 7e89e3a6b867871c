"""ASGI entry point: HTTP through Django, websockets through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import get_resolver  # noqa: E402

from .gc_tuning import settle_heap  # noqa: E402
from .limits import RequestBodyLimit  # noqa: E402
from .routing import websocket_urlpatterns  # noqa: E402
from .websocket_security import WebsocketOriginValidator  # noqa: E402

application = ProtocolTypeRouter(
    {
        # Bodies over the limit are refused before Django reads them.
        "http": RequestBodyLimit(django_asgi_app),
        # The validator runs inside the session middleware so that a ticket's user replaces
        # the (anonymous) session user of a client that has no cookie.
        "websocket": AuthMiddlewareStack(
            WebsocketOriginValidator(URLRouter(websocket_urlpatterns))
        ),
    }
)

# Start-up ends here: import every view now (not on the first request), then freeze what
# start-up built and raise the collector's thresholds (see gc_tuning for why and the figures).
get_resolver().url_patterns  # noqa: B018
settle_heap()
