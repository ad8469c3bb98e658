"""HTML → the normalised text of ``ingest.normalize`` (headings, lists, self-contained table rows)."""

from __future__ import annotations

from ingest.normalize import squash, table_lines

_DROP = {"script", "style", "nav", "noscript", "template", "svg", "head", "iframe", "button", "form"}
_BLOCKS = {"p", "div", "section", "article", "main", "blockquote", "pre", "figure", "figcaption",
           "dd", "dt", "dl", "address", "details", "summary", "aside", "header", "footer", "body", "html"}
_BR = "\x00br\x00"
_HEADINGS = {f"h{i}" for i in range(1, 7)}
_STRUCTURE = [*_HEADINGS, "table", "ul", "ol", *_BLOCKS]


def _inline_text(node, br: str = "\n") -> str:
    """Text of an element with <br> kept as ``br`` (a line break; "; " inside table cells)."""
    for tag in node.find_all("br"):
        tag.replace_with(_BR)
    # source newlines are plain spaces in HTML; only <br> breaks a line
    text = node.get_text("").replace("\n", " ").replace(_BR, "\n")
    lines = (squash(line) for line in text.replace("\n", br).split("\n"))
    return "\n".join(line for line in lines if line).strip(" ;")


def _expand_grid(table) -> tuple[list[str], list[list[str]]]:
    """Table → (header, rows) with rowspan/colspan expanded so every row has all its cells."""
    grid: list[list[str]] = []
    spans: dict[int, tuple[int, str]] = {}  # column → (rows left, text) from a rowspan above
    header: list[str] = []
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is not table:
            continue  # a nested table's rows belong to that table
        cells = tr.find_all(["td", "th"], recursive=False)
        row: list[str] = []
        col = 0
        queue = list(cells)
        while queue or col in spans:
            if col in spans:
                left, text = spans[col]
                row.append(text)
                spans = {**spans, col: (left - 1, text)} if left > 1 else {k: v for k, v in spans.items() if k != col}
                col += 1
                continue
            cell = queue.pop(0)
            text = _inline_text(cell, br="; ")
            rowspan = int(cell.get("rowspan", 1) or 1)
            for _ in range(int(cell.get("colspan", 1) or 1)):
                row.append(text)
                if rowspan > 1:
                    spans[col] = (rowspan - 1, text)
                col += 1
        is_header = not grid and not header and cells and all(c.name == "th" for c in cells)
        if is_header or (tr.find_parent("thead") is not None and not header):
            header = row
        else:
            grid.append(row)
    return header, grid


class _HtmlRenderer:
    def __init__(self) -> None:
        self.title: str | None = None
        self.out: list[str] = []

    def walk(self, node) -> None:
        buffer: list[str] = []  # a run of inline content becomes one paragraph

        def flush() -> None:
            lines = (squash(line) for line in "".join(buffer).split("\n"))
            text = "\n".join(line for line in lines if line)
            if text:
                self.out.append(text)
            buffer.clear()

        for child in node.children:
            name = getattr(child, "name", None)
            if name is None:
                if type(child).__name__ == "NavigableString":
                    buffer.append(str(child).replace("\n", " "))
                continue
            if name in _DROP:
                continue
            if name == "br":
                buffer.append("\n")
            elif name in _HEADINGS:
                flush()
                text = _inline_text(child)
                if text:
                    level = int(name[1])
                    if level == 1 and self.title is None:
                        self.title = text
                    self.out.append(f"{'#' * level} {text}")
            elif name == "table":
                flush()
                header, rows = _expand_grid(child)
                if not header and rows:
                    header, rows = rows[0], rows[1:]
                lines = table_lines(header, rows)
                if lines:
                    self.out.append("\n".join(lines))
            elif name in ("ul", "ol"):
                flush()
                self.out.append(self.list_block(child, 0))
            elif name in _BLOCKS or child.find(_STRUCTURE):
                flush()
                self.walk(child)
                flush()
            else:
                buffer.append(_inline_text(child))
        flush()

    def list_block(self, node, depth: int) -> str:
        lines = []
        ordered = node.name == "ol"
        for n, li in enumerate(node.find_all("li", recursive=False)):
            # nested steps read "a. b." as in printed manuals, like the Markdown loader writes them
            marker = (f"{chr(ord('a') + n % 26)}." if depth % 2 else f"{n + 1}.") if ordered else "-"
            nested = [sub.extract() for sub in li.find_all(["ul", "ol"], recursive=False)]
            pad = "    " * depth
            item = _inline_text(li).replace("\n", "\n" + pad + "    ")
            lines.append(f"{pad}{marker} {item}".rstrip())
            for sub in nested:
                lines.append(self.list_block(sub, depth + 1))
        return "\n".join(lines)


def _render(html: str) -> tuple[str | None, str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    renderer = _HtmlRenderer()
    renderer.walk(soup)
    if renderer.title is None and soup.title and soup.title.string:
        renderer.title = squash(soup.title.string)
    text = "\n\n".join(b for b in renderer.out if b.strip())
    return renderer.title, text


def html_to_text(html: str) -> tuple[str | None, str]:
    """Return (title = first H1, else <title>; normalised text) for an HTML document."""
    return _render(html)


def html_fragment_to_text(html: str) -> str:
    """Normalised text of an HTML fragment embedded in Markdown (e.g. a raw <table>)."""
    return _render(html)[1]
