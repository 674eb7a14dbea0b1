"""What a browser would post from a rendered form (for the tests without a browser)."""

from __future__ import annotations

from html.parser import HTMLParser


class _Fields(HTMLParser):
    """Collects the successful controls of a form: text and hidden inputs, checked
    checkboxes, each select's selected option (else its first), textareas."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._first: str | None = None
        self._chosen = False
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "input" and "name" in a:
            kind = a.get("type", "text")
            if kind in ("text", "hidden") or (kind == "checkbox" and "checked" in a):
                self.fields[a["name"]] = a.get("value", "on" if kind == "checkbox" else "")
        elif tag == "select":
            self._select, self._first, self._chosen = a.get("name"), None, False
        elif tag == "option" and self._select is not None:
            if self._first is None:
                self._first = a.get("value", "")
            if "selected" in a:
                self.fields[self._select] = a.get("value", "")
                self._chosen = True
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), []

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None:
            if not self._chosen:
                self.fields[self._select] = self._first or ""
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields[self._textarea] = "".join(self._text)
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)


def posted_fields(html: str) -> dict[str, str]:
    """The fields a browser posts from the form ``html`` untouched."""
    parser = _Fields()
    parser.feed(html)
    return parser.fields


_VOID = {"input", "br", "img", "meta", "link", "hr", "source", "wbr"}


class _ErrorPlace(HTMLParser):
    """The ``data-path`` of the innermost element holding each ``p.error``."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str | None] = []
        self.places: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "p" and a.get("class") == "error":
            self.places.append(next((p for p in reversed(self.stack) if p is not None), None))
        if tag not in _VOID:
            self.stack.append(a.get("data-path"))

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID and self.stack:
            self.stack.pop()


def error_places(html: str) -> list[str | None]:
    """For each error paragraph of ``html``, the path of the field or table it is in."""
    parser = _ErrorPlace()
    parser.feed(html)
    return parser.places
