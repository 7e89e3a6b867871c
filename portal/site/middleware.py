"""Response headers the Content-Security-Policy and `check --deploy` do not set; the API's
language (ApiLanguageMiddleware, at the end).

- Signed-in users' pages are never stored by the browser or a proxy (`private, no-store`): the
  back button after a logout, a shared computer or a caching proxy must not show them again.
  A bearer-token API call counts as signed in. Static files never reach this (WhiteNoise
  answers them first).
- Permissions-Policy turns off browser features the portal never uses.
- frame-ancestors follows X-Frame-Options: 'none' unless the view allows same-origin framing
  (Wagtail's preview panel), so the CSP never contradicts it. Listed after CSPMiddleware, so this
  runs first on the way out.
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_cache_control


def _signed_in(request) -> bool:
    if "HTTP_AUTHORIZATION" in request.META:
        return True
    # Without a session cookie nobody is signed in; checking first keeps anonymous pages free of
    # a session read (and its Vary: Cookie).
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefixes = tuple(
            prefix for prefix in (settings.STATIC_URL, settings.MEDIA_URL) if prefix
        )

    def __call__(self, request):
        response = self.get_response(request)
        if _signed_in(request) and not request.path.startswith(self.static_prefixes):
            patch_cache_control(response, private=True, no_store=True)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy:
            response.headers.setdefault("Permissions-Policy", policy)
        if response.get("X-Frame-Options", "").upper() == "SAMEORIGIN":
            _frame_ancestors_self(response)
        return response


def _frame_ancestors_self(response) -> None:
    policy = response.get("Content-Security-Policy")
    if policy is None:
        response._csp_replace = {
            **(getattr(response, "_csp_replace", None) or {}),
            "frame-ancestors": ["'self'"],
        }
    elif "frame-ancestors 'none'" in policy:
        # Wagtail renders a preview through the whole middleware stack (a header with 'none')
        # and only then marks the response SAMEORIGIN: the outer pass corrects it.
        response["Content-Security-Policy"] = policy.replace(
            "frame-ancestors 'none'", "frame-ancestors 'self'"
        )


class ApiLanguageMiddleware:
    """The JSON API answers in the caller's language: names, refusals, labels.

    Its paths carry no language prefix, and with Chinese at the bare paths Django's
    LocaleMiddleware gives every such path the default language, whatever the caller asked
    for. For `/api/` the language is negotiated instead: the language cookie a person chose
    on the site, else `Accept-Language` (`en` for English), else Chinese. LocaleMiddleware
    (listed before this) then says it in `Content-Language` and adds `Vary: Accept-Language`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith("/api/"):
            language = translation.get_language_from_request(request)
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
