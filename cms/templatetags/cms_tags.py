from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag(takes_context=True)
def page_alternates(context, page) -> list[dict]:
    """The page in each language it is published in: for <link rel="alternate" hreflang>."""
    request = context.get("request")
    languages = dict(settings.LANGUAGES)
    links = []
    for translation in page.get_translations(inclusive=True).live().select_related("locale"):
        code = translation.locale.language_code
        if code in languages:
            url = translation.get_full_url(request)
            if url:
                links.append({"code": code, "url": url})
    return links
