"""The public tracking page's rate limit: lookups counted per client address in the cache
(`LIMIT` per `WINDOW_SECONDS`, a fixed window from the first lookup)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

LIMIT = 10
WINDOW_SECONDS = 600


def client_address(request) -> str:
    """The client's address; behind the proxies the sign-in lock counts (AXES_PROXY_COUNT),
    the one the nearest trusted proxy saw."""
    proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", None) or 0
    if proxies:
        chain = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(chain) >= proxies:
            return chain[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def lookup_allowed(address: str) -> bool:
    """Count one lookup from this address; False once it made more than LIMIT."""
    key = f"supervision:track:{address}"
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, WINDOW_SECONDS)
        count = 1
    return count <= LIMIT
