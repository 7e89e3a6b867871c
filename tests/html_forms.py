"""What a browser would send again from a page's form: its fields' current values, read from
the HTML (text inputs, ticked boxes, selected options, textareas). A refused form that kept
everything typed sends back everything that was typed."""

from __future__ import annotations

from html.parser import HTMLParser


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, list[str]]] = []
        self._current: dict[str, list[str]] | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def _add(self, name: str | None, value: str) -> None:
        if self._current is not None and name:
            self._current.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._current = {}
            self.forms.append(self._current)
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(a.get("name"), a.get("value") or "on")
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self._add(a.get("name"), a.get("value") or "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self._add(self._select, a.get("value") or "")
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # The parser keeps the newline right after <textarea>; a browser drops it.
            self._add(self._textarea, self._text.removeprefix("\n"))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text += data


def forms_of(html: str) -> list[dict[str, list[str]]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def form_with(html: str, name: str, value: str) -> dict[str, list[str]]:
    """The one form of the page that would send `name=value` (e.g. what=record)."""
    found = [f for f in forms_of(html) if value in f.get(name, [])]
    assert len(found) == 1, f"{len(found)} forms send {name}={value}"
    return found[0]


def missing(typed: dict, shown: dict[str, list[str]]) -> dict:
    """What was typed and is not in the form any more (empty when everything was kept)."""
    lost = {}
    for name, value in typed.items():
        values = [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
        have = shown.get(name, [])
        gone = [v for v in values if v not in have]
        if gone:
            lost[name] = {"typed": values, "shown": have}
    return lost
