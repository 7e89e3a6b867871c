"""The StreamField blocks every page body shares: one place, one set of templates.

Rich text only ever enters through Wagtail's editor (or `cms.richtext.sanitise`, for imports
and the demo), which keeps the features listed here and drops every other tag and attribute.
"""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

# What editors may use in running text: no raw HTML, no embeds, no inline images.
RICH_TEXT_FEATURES = ["h3", "h4", "bold", "italic", "ol", "ul", "link", "document-link", "hr"]
SHORT_RICH_TEXT_FEATURES = ["bold", "italic", "link", "document-link", "ol", "ul"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("heading"), max_length=120)
    level = blocks.ChoiceBlock(
        label=_("level"),
        choices=[("h2", _("section")), ("h3", _("subsection"))],
        default="h2",
    )

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


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("quotation"))
    source = blocks.CharBlock(label=_("source"), required=False, max_length=200)

    class Meta:
        icon = "openquote"
        label = _("Quotation")
        template = "blocks/quote.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("image"))
    alt = blocks.CharBlock(
        label=_("alternative text"),
        max_length=200,
        help_text=_("What the image shows, for people who cannot see it."),
    )
    caption = blocks.CharBlock(label=_("caption"), required=False, max_length=200)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "blocks/image.html"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("document"))
    title = blocks.CharBlock(
        label=_("link text"),
        required=False,
        max_length=200,
        help_text=_("Leave empty to use the document's title."),
    )

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
    return blocks.ListBlock(FigureBlock(), **kwargs)


class NoticeBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        label=_("kind"),
        choices=[("info", _("information")), ("important", _("important"))],
        default="info",
    )
    text = blocks.RichTextBlock(label=_("text"), features=SHORT_RICH_TEXT_FEATURES)

    class Meta:
        icon = "warning"
        label = _("Notice")
        template = "blocks/notice.html"


class StepBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("step"), max_length=120)
    text = blocks.TextBlock(label=_("what happens"), required=False)


class QuestionBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("question"), max_length=200)
    answer = blocks.RichTextBlock(label=_("answer"), features=SHORT_RICH_TEXT_FEATURES)


class BodyBlock(blocks.StreamBlock):
    """The free-form body of policies, interpretations and news."""

    heading = HeadingBlock()
    paragraph = ParagraphBlock()
    quote = QuoteBlock()
    image = ImageBlock()
    document = DocumentBlock()
    figures = figures_block()
    notice = NoticeBlock()
    steps = blocks.ListBlock(
        StepBlock(), icon="list-ol", label=_("Steps"), template="blocks/steps.html"
    )
    questions = blocks.ListBlock(
        QuestionBlock(),
        icon="help",
        label=_("Questions and answers"),
        template="blocks/questions.html",
    )

    class Meta:
        template = "blocks/body.html"
