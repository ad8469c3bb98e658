"""Markdown (incl. mkdocs-material extensions) → the normalised text of ``ingest.normalize``.

Parsing is done by markdown-it-py; only the mkdocs extensions that CommonMark does not know
(attribute lists ``{ #p-co-14 }``, admonitions ``!!! tip "Hint"``) are rewritten with small
line-based passes first, because CommonMark would otherwise read an admonition body as an
indented code block.
"""

from __future__ import annotations

import re

from ingest.normalize import squash, table_lines

_ANCHOR = re.compile(r"\[\]\(\)\s*\{[^}\n]*\}")  # [](){ #p-co-14 }: an empty link used as anchor
_ATTR = r'(?:[#.][\w:-]+|[\w-]+="[^"]*"|[\w-]+=\S+)'
_ATTR_LIST = re.compile(r"\{:?\s*" + _ATTR + r"(?:\s+" + _ATTR + r")*\s*\}")
_ADMONITION = re.compile(r'^(\s*)(?:!!!|\?\?\?\+?)\s*([\w-]+)(?:[ \t]+[\w -]*?)?(?:[ \t]+"([^"]*)")?\s*$')
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_SUBSCRIPT = re.compile(r"~(\w{1,8})~")
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n(?:---|\.\.\.)\n", re.DOTALL)
# Liquid / Jinja tags of doc-site generators (Jekyll, mkdocs-macros): ``{% include callout.html
# title="Take your time!" content="If using scissors, ..." %}``. Their quoted text is content, the
# rest is layout (a FarmBot troubleshooting page quoted the raw tag to the technician).
_TEMPLATE_TAG = re.compile(r"\{%-?(.*?)-?%\}|\{\{[<%](.*?)[>%]\}\}", re.DOTALL)  # Liquid/Jinja, Hugo shortcodes
# Docusaurus admonitions (":::warning Title" ... ":::") and GitHub alerts ("> [!NOTE]"): the marker
# becomes the label of the text under it, like an mkdocs admonition
_FENCED_NOTE = re.compile(r"^(\s*):::+\s*([\w-]*)\s*(?:\[(.*)\]|(.*))$")
_ALERT = re.compile(r"^(\s*>\s*)\[!(\w+)\]\s*$")
_QUOTED = re.compile(r"""=\s*(?:"([^"]*)"|'([^']*)')""")
_FENCE = re.compile(r"^\s*(```|~~~)")
# wiki links of doc sites and wikis: "[[power supply]]", "[[Page|shown text]]" read as their text
_WIKI_LINK = re.compile(r"\[\[(?:[^\]|\n]*\|)?([^\]\n]+)\]\]")
_DROP_HTML = ("<figure", "<img", "<!--", "<center", "</", "<div", "<span")


def _rewrite_admonitions(lines: list[str]) -> list[str]:
    """``!!! tip "Hint"`` + indented body → ``Hint: body`` at the admonition's own indent."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        m = _ADMONITION.match(lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        indent, kind, title = m.group(1), m.group(2), m.group(3)
        label = (title or kind.replace("-", " ")).strip().capitalize() or kind.capitalize()
        body_indent = len(indent) + 4
        i += 1
        body: list[str] = []
        while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) >= body_indent):
            body.append(lines[i][body_indent:] if lines[i].strip() else "")
            i += 1
        while body and not body[-1]:
            body.pop()
        while body and not body[0]:
            body.pop(0)
        if body:
            body[0] = f"{label}: {body[0]}"
        out.extend((indent + b) if b else "" for b in body)
        out.append("")
    return out


def _template_text(match: re.Match) -> str:
    """A template tag's quoted attribute values that read as text (with a space), joined as ``title: content``.

    >>> _template_text(_TEMPLATE_TAG.search('{% include callout.html type="info" title="Be careful" content="Do not force it." %}'))
    'Be careful: Do not force it.'
    """
    values = [squash(a or b) for a, b in _QUOTED.findall(match.group(1) or match.group(2) or "")]
    texts = [v for v in values if " " in v or len(values) == 1 and v]
    out = ""
    for t in texts:
        out = t if not out else f"{out} {t}" if out.endswith((".", "!", "?", ":")) else f"{out}: {t}"
    return out


def _outside_code(text: str, fix) -> str:
    """``fix`` applied to the text outside fenced code blocks (a code sample keeps its template tags)."""
    parts, chunk, fenced = [], [], False
    for line in text.split("\n"):
        if _FENCE.match(line):
            parts.append("\n".join(chunk) if fenced else fix("\n".join(chunk)))
            chunk, fenced = [], not fenced
            parts.append(line)
            continue
        chunk.append(line)
    parts.append("\n".join(chunk) if fenced else fix("\n".join(chunk)))
    return "\n".join(p for p in parts)


def preprocess(source: str) -> str:
    text = source.replace("\r\n", "\n").replace("\r", "\n")
    text = _ANCHOR.sub("", text)
    text = _ATTR_LIST.sub("", text)
    text = _outside_code(text, lambda t: _notes(_WIKI_LINK.sub(r"\1", _TEMPLATE_TAG.sub(_template_text, t))))
    return "\n".join(_rewrite_admonitions(text.split("\n")))


def _notes(text: str) -> str:
    """Docusaurus ``:::tip Title`` / ``:::`` markers and GitHub ``> [!NOTE]`` alerts → a ``Title:`` label."""
    out = []
    for line in text.split("\n"):
        m = _FENCED_NOTE.match(line)
        if m:
            label = (m.group(3) or m.group(4) or m.group(2) or "").strip()
            # an opening marker labels the paragraph under it; the closing ":::" (no label) ends it
            out.append(f"{m.group(1)}{label[0].upper()}{label[1:]}:" if label else "")
            continue
        m = _ALERT.match(line)
        out.append(f"{m.group(1)}{m.group(2).capitalize()}:" if m else line)
    return "\n".join(out)


def _clean_markup(text: str) -> str:
    """Leftover Markdown inside HTML blocks: images dropped, emphasis markers removed."""
    text = _MD_IMAGE.sub("", text)
    text = _EMPHASIS.sub(r"\2", text)
    return _SUBSCRIPT.sub(r"\1", text)


class _Renderer:
    """Walks markdown-it's syntax tree and writes normalised blocks."""

    def __init__(self) -> None:
        self.title: str | None = None

    def inline(self, node, in_table: bool = False) -> str:
        parts: list[str] = []
        for child in node.children:
            kind = child.type
            if kind in ("text", "code_inline"):
                parts.append(child.content)
            elif kind == "softbreak":
                parts.append(" ")
            elif kind == "hardbreak":
                parts.append("; " if in_table else "\n")
            elif kind == "html_inline":
                if re.match(r"<br\s*/?>", child.content, re.IGNORECASE):
                    parts.append("; " if in_table else "\n")
            elif kind == "image":
                continue  # images are referenced, not included; alt text is file noise
            elif child.children:
                parts.append(self.inline(child, in_table))
        text = _SUBSCRIPT.sub(r"\1", "".join(parts))
        return "\n".join(squash(line) for line in text.split("\n")).strip("\n ;")

    def blocks(self, node, ordered_depth: int = 0) -> list[str]:
        out: list[str] = []
        for child in node.children:
            out.extend(self.block(child, ordered_depth))
        return [b for b in out if b.strip()]

    def block(self, node, ordered_depth: int) -> list[str]:
        kind = node.type
        if kind == "heading":
            text = self.inline(node.children[0]).replace("\n", " ")
            level = int(node.tag[1])
            if level == 1 and self.title is None:
                self.title = text
            return [f"{'#' * level} {text}"] if text else []
        if kind == "paragraph":
            return [self.inline(node.children[0])]
        if kind in ("bullet_list", "ordered_list"):
            return [self.list_block(node, ordered_depth)]
        if kind == "table":
            return ["\n".join(self.table(node))]
        if kind in ("fence", "code_block"):
            return [node.content.rstrip()]
        if kind == "html_block":
            return [self.html(node.content)]
        if kind == "hr":
            return []
        return self.blocks(node, ordered_depth)  # blockquote and anything container-like

    def list_block(self, node, ordered_depth: int) -> str:
        ordered = node.type == "ordered_list"
        start = int(node.attrs.get("start", 1)) if ordered else 1
        items = []
        for n, item in enumerate(node.children):
            if ordered:
                # Nested steps read "a. b. c." as in printed manuals ("repeat steps (a) to (c)").
                marker = f"{chr(ord('a') + n % 26)}." if ordered_depth % 2 == 1 else f"{start + n}."
            else:
                marker = "-"
            inner = self.blocks(item, ordered_depth + (1 if ordered else 0))
            text = "\n\n".join(inner) if not _tight(item) else "\n".join(inner)
            lines = text.split("\n") if text else [""]
            pad = " " * 4
            first = f"{marker} {lines[0]}".rstrip()
            rest = [(pad + line) if line.strip() else "" for line in lines[1:]]
            items.append("\n".join([first, *rest]))
        return "\n".join(items)

    def table(self, node) -> list[str]:
        header: list[str] = []
        rows: list[list[str]] = []
        for section in node.children:
            for tr in section.children:
                cells = [self.inline(cell.children[0], in_table=True) if cell.children else "" for cell in tr.children]
                if section.type == "thead":
                    header = cells
                else:
                    rows.append(cells)
        return table_lines(header, rows)

    def html(self, content: str) -> str:
        stripped = content.strip()
        if "<table" in stripped.lower():
            from ingest.manuals.html import html_fragment_to_text

            return html_fragment_to_text(stripped)
        if stripped.lower().startswith(_DROP_HTML) and not _visible_text(stripped):
            return ""
        return _visible_text(stripped)


def _tight(item) -> bool:
    """A list item is tight when markdown-it hid its paragraphs (no blank lines between)."""
    return any(getattr(c, "hidden", False) for c in item.children if c.type == "paragraph")


def _visible_text(html: str) -> str:
    from bs4 import BeautifulSoup

    for tag in ("figure", "img", "script", "style"):
        html = re.sub(rf"<{tag}\b.*?</{tag}>", "", html, flags=re.IGNORECASE | re.DOTALL)
    text = BeautifulSoup(html, "html.parser").get_text("\n")
    lines = [squash(_clean_markup(line)) for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def markdown_to_text(source: str) -> tuple[str | None, str]:
    """Return (title, normalised text) for a Markdown document: the front matter's title, else the first H1.

    A doc site's page may hold several H1 sections ("# Step 1: ...", "# Step 2: ..."); its front
    matter names the page, and the first H1 made every later section read "Step 1 > Step 2"."""
    from markdown_it import MarkdownIt
    from markdown_it.tree import SyntaxTreeNode

    text = preprocess(source)
    front_title, front_lines = None, []
    front = _FRONT_MATTER.match(text)
    if front:  # YAML front matter (mkdocs, Jekyll, Hugo): its title, and its fields as text
        text = text[front.end() :]
        front_title, front_lines = front_matter(front.group(1))
    parser = MarkdownIt("commonmark", {"html": True}).enable("table")
    renderer = _Renderer()
    body = "\n\n".join(renderer.blocks(SyntaxTreeNode(parser.parse(text))))
    # Doc sites keep descriptions and specs in the front matter (a parts page may be nothing else).
    head = "\n".join(front_lines)
    return front_title or renderer.title, "\n\n".join(p for p in (head, body.strip()) if p)


def front_matter(block: str) -> tuple[str | None, list[str]]:
    """(title, one line per field) of a YAML front-matter block; nested fields as ``parent > key: value``.

    >>> front_matter("title: Belt\\nspecs:\\n  length: 500mm\\ntags: [a, b]")
    ('Belt', ['specs > length: 500mm', 'tags: a, b'])
    """
    import yaml

    try:
        data = yaml.safe_load(block)
    except yaml.YAMLError:
        data = None
    if not isinstance(data, dict):  # not YAML after all: keep its lines as they are
        return None, [squash(line) for line in block.splitlines() if line.strip()]
    title = data.pop("title", None)
    lines: list[str] = []
    # a field that only repeats the title as a URL slug ("slug: solenoid-valve-cable-fix") says nothing
    slug = re.sub(r"[\W_]+", "-", str(title).lower()).strip("-") if title is not None else None

    def walk(prefix: str, value: object) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix} > {key}" if prefix else str(key), inner)
        elif isinstance(value, list):
            if all(not isinstance(v, (dict, list)) for v in value):
                lines.append(f"{prefix}: {', '.join(str(v) for v in value)}")
            else:
                for inner in value:
                    walk(prefix, inner)
        elif value is not None and str(value).strip() and str(value).strip().lower() != slug:
            text = squash(str(value))
            # a long free-text field (description) reads best without its key
            lines.append(text if len(text) > 80 and " > " not in prefix else f"{prefix}: {text}")

    walk("", data)
    return (str(title) if title is not None else None), lines
