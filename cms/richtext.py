"""Rich text from outside the editor (imports, the demo data) made as safe as the editor's.

Wagtail's editor stores only what its features allow; `|richtext` then renders the stored HTML
as it is. HTML that arrives any other way goes through the same conversion the editor uses
(HTML -> Draftail content state -> HTML) before it is stored, so scripts, event attributes,
styles, frames and javascript: links never reach a page.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter

from .blocks import RICH_TEXT_FEATURES

_BLOCK_KEY = re.compile(r' data-block-key="[^"]*"')
_EMPTY_LINK = re.compile(r"<a>(.*?)</a>", re.DOTALL)
_DROPPED_WITH_CONTENT = ("script", "style", "iframe", "object", "embed", "template", "noscript")


def sanitise(html: str, features: list[str] | None = None) -> str:
    """The HTML as Wagtail's editor would have stored it, with only `features`."""
    soup = BeautifulSoup(html or "", "html.parser")
    for element in soup.find_all(_DROPPED_WITH_CONTENT):
        element.decompose()
    converter = ContentstateConverter(features or RICH_TEXT_FEATURES)
    stored = converter.to_database_format(converter.from_database_format(str(soup)))
    # Block keys are random per conversion; without them the result is stable, so importing
    # the same text twice changes nothing (the editor adds keys again on the next edit).
    # A link whose address was refused (javascript:, data:) is left as its text.
    return _EMPTY_LINK.sub(r"\1", _BLOCK_KEY.sub("", stored))
