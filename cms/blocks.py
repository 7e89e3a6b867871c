"""The StreamField blocks every page body shares: one place, one set of templates.

Rich text only ever enters through Wagtail's editor (or `cms.richtext.sanitise`, for imports
and the demo), which keeps the features listed here and drops every other tag and attribute.

What each block gives the search index (and the search page's excerpts) is the plain text a
reader reads, in reading order: a figure as "label value unit", a question and its answer;
never a choice's label ("section", "information"), an empty optional field as "None", or a
value's repr.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

# What editors may use in running text: no raw HTML, no embeds, no inline images.
RICH_TEXT_FEATURES = ["h3", "h4", "bold", "italic", "ol", "ul", "link", "document-link", "hr"]
SHORT_RICH_TEXT_FEATURES = ["bold", "italic", "link", "document-link", "ol", "ul"]


def _words(value: Any) -> str:
    """A field's value as text to index: "" for nothing (None, a value that is not text)."""
    if isinstance(value, str):
        return " ".join(value.split())
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else ""


class ReadableStructBlock(blocks.StructBlock):
    """A struct whose searchable text is the named fields' plain text, in this order."""

    searchable_fields: tuple[str, ...] = ()

    def get_searchable_content(self, value):
        if not self.search_index or not value:
            return []
        content = []
        for name in self.searchable_fields:
            child, raw = self.child_blocks[name], value.get(name)
            if raw is None or raw == "":
                continue
            content += [text for text in map(_words, child.get_searchable_content(raw)) if text]
        return content


class ItemListBlock(blocks.ListBlock):
    """A ListBlock that also reads items stored as {"type": "item", "value": ...} without an
    id (as the demo loader once wrote them). Wagtail takes such an item for an old-style raw
    value, so the item's first field got the whole dict: pages showed "{'value': '24,051'…"
    and "None", and the search index stored the same."""

    @staticmethod
    def _with_id(item):
        if (
            isinstance(item, dict)
            and item.get("type") == "item"
            and "value" in item
            and "id" not in item
            and set(item) <= {"type", "value"}
        ):
            return {**item, "id": None}  # a new id is given when the page is next saved
        return item

    def to_python(self, value):
        return super().to_python([self._with_id(item) for item in value])

    def bulk_to_python(self, values):
        return super().bulk_to_python([[self._with_id(item) for item in v] for v in values])

    def get_searchable_content(self, value):
        return [text for text in super().get_searchable_content(value) if text]


class HeadingBlock(ReadableStructBlock):
    text = blocks.CharBlock(label=_("heading"), max_length=120)
    level = blocks.ChoiceBlock(
        label=_("level"),
        choices=[("h2", _("section")), ("h3", _("subsection"))],
        default="h2",
    )
    searchable_fields = ("text",)

    class Meta:
        icon = "title"
        label = _("Heading")
        template = "blocks/heading.html"


class ParagraphBlock(blocks.RichTextBlock):
    def __init__(self, **kwargs):
        kwargs.setdefault("features", RICH_TEXT_FEATURES)
        super().__init__(**kwargs)

    class Meta:
        icon = "pilcrow"
        label = _("Text")
        template = "blocks/paragraph.html"


class QuoteBlock(ReadableStructBlock):
    text = blocks.TextBlock(label=_("quotation"))
    source = blocks.CharBlock(label=_("source"), required=False, max_length=200)
    searchable_fields = ("text", "source")

    class Meta:
        icon = "openquote"
        label = _("Quotation")
        template = "blocks/quote.html"


class ImageBlock(ReadableStructBlock):
    image = ImageChooserBlock(label=_("image"))
    alt = blocks.CharBlock(
        label=_("alternative text"),
        max_length=200,
        help_text=_("What the image shows, for people who cannot see it."),
    )
    caption = blocks.CharBlock(label=_("caption"), required=False, max_length=200)
    searchable_fields = ("caption", "alt")

    class Meta:
        icon = "image"
        label = _("Image")
        template = "blocks/image.html"


class DocumentBlock(ReadableStructBlock):
    document = DocumentChooserBlock(label=_("document"))
    title = blocks.CharBlock(
        label=_("link text"),
        required=False,
        max_length=200,
        help_text=_("Leave empty to use the document's title."),
    )

    def get_searchable_content(self, value):
        """The link's text as the page shows it: its own, or the document's title."""
        if not self.search_index or not value:
            return []
        document = value.get("document")
        text = _words(value.get("title")) or _words(getattr(document, "title", None))
        return [text] if text else []

    class Meta:
        icon = "doc-full"
        label = _("Document")
        template = "blocks/document.html"


class FigureBlock(blocks.StructBlock):
    """One public figure: 24,051 applications received."""

    value = blocks.CharBlock(label=_("figure"), max_length=30)
    unit = blocks.CharBlock(label=_("unit"), required=False, max_length=20)
    label = blocks.CharBlock(label=_("what it counts"), max_length=120)
    note = blocks.CharBlock(label=_("note"), required=False, max_length=200)

    def get_searchable_content(self, value):
        """ "受理办件 24,051 件" then its note: what the figure says, as a reader reads it."""
        if not self.search_index or not value:
            return []
        parts = (_words(value.get(name)) for name in ("label", "value", "unit"))
        figure = " ".join(part for part in parts if part)
        return [text for text in (figure, _words(value.get("note"))) if text]

    class Meta:
        icon = "table"
        label = _("Figure")
        template = "blocks/figure.html"


def figures_block(**kwargs) -> blocks.ListBlock:
    """A row of public figures (the home page's, or inside a body)."""
    kwargs = {
        "icon": "table",
        "label": _("Key figures"),
        "template": "blocks/figures.html",
    } | kwargs
    return ItemListBlock(FigureBlock(), **kwargs)


class NoticeBlock(ReadableStructBlock):
    kind = blocks.ChoiceBlock(
        label=_("kind"),
        choices=[("info", _("information")), ("important", _("important"))],
        default="info",
    )
    text = blocks.RichTextBlock(label=_("text"), features=SHORT_RICH_TEXT_FEATURES)
    searchable_fields = ("text",)

    class Meta:
        icon = "warning"
        label = _("Notice")
        template = "blocks/notice.html"


class StepBlock(ReadableStructBlock):
    title = blocks.CharBlock(label=_("step"), max_length=120)
    text = blocks.TextBlock(label=_("what happens"), required=False)
    searchable_fields = ("title", "text")


class QuestionBlock(ReadableStructBlock):
    question = blocks.CharBlock(label=_("question"), max_length=200)
    answer = blocks.RichTextBlock(label=_("answer"), features=SHORT_RICH_TEXT_FEATURES)
    searchable_fields = ("question", "answer")


class BodyBlock(blocks.StreamBlock):
    """The free-form body of policies, interpretations and news."""

    heading = HeadingBlock()
    paragraph = ParagraphBlock()
    quote = QuoteBlock()
    image = ImageBlock()
    document = DocumentBlock()
    figures = figures_block()
    notice = NoticeBlock()
    steps = ItemListBlock(
        StepBlock(), icon="list-ol", label=_("Steps"), template="blocks/steps.html"
    )
    questions = ItemListBlock(
        QuestionBlock(),
        icon="help",
        label=_("Questions and answers"),
        template="blocks/questions.html",
    )

    class Meta:
        template = "blocks/body.html"
