from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils import translation

from portal.roles import GROUP_LABELS

register = template.Library()


@register.filter
def group_label(name: str) -> str:
    """A group's name in the page's language (the stored name when it has no label)."""
    return GROUP_LABELS.get(name, name)


def _page_translation_url(page, language_code, request):
    from wagtail.models import Locale

    try:
        locale = Locale.objects.get_for_language(language_code)
    except Locale.DoesNotExist:
        return None
    translated = page.get_translation_or_none(locale)
    if translated is None or not translated.live:
        return None
    return translated.get_url(request)


@register.inclusion_tag("includes/language_switcher.html", takes_context=True)
def language_switcher(context):
    """Links to this same page in the other languages (the translated page when one exists)."""
    request = context["request"]
    page = context.get("page")
    current = translation.get_language()
    links = []
    for code, name in settings.LANGUAGES:
        if code == current:
            continue
        url = None
        if page is not None and hasattr(page, "get_translation_or_none"):
            url = _page_translation_url(page, code, request)
        if url is None:
            url = translate_url(request.get_full_path(), code)
        links.append({"code": code, "name": name, "url": url})
    return {"links": links, "current": current}
