"""reStructuredText -> the normalised text of ``ingest.normalize``: docutils parses, we walk its tree.

Section titles become ``#``-lines at their depth, list items keep their markers, a table row reads as
``header: cell | header: cell`` (``table_lines``), a definition or field as ``term: text``, an admonition as
``Warning: text``; comments, targets, substitution definitions and images are dropped.

Sphinx adds roles (``:ref:`the guide <target>```) and directives (``.. toctree::``, ``.. tabs::``) that
docutils does not know. Each unknown name found in the text is registered before parsing as a generic
one: a role reads as its text (without the ``<target>``), a directive as its argument and its content,
parsed as reStructuredText. So no markup and no parser error message reaches the index.

Document text is data: ``.. include::`` and ``.. raw::`` are disabled (no file is read, no HTML passed).
"""

from __future__ import annotations

import io
import re

from docutils import nodes, utils
from docutils.core import publish_doctree
from docutils.parsers.rst import Directive, directives, roles
from docutils.parsers.rst.languages import en

from ingest.normalize import squash, table_lines

_ROLE_NAME = re.compile(r"(?<![\w`]):([A-Za-z][\w:.+-]*):`")
_DIRECTIVE_NAME = re.compile(r"^\s*\.\.\s+([A-Za-z][\w:.+-]*)::", re.M)
_TARGET = re.compile(r"\s*<[^<>]*>\s*$")
_SETTINGS = {"report_level": 5, "halt_level": 5, "warning_stream": io.StringIO(), "file_insertion_enabled": False,
             "raw_enabled": False, "doctitle_xform": False, "syntax_highlight": "none", "input_encoding": "unicode"}
_DROPPED = (nodes.comment, nodes.target, nodes.substitution_definition, nodes.system_message, nodes.raw,
            nodes.image, nodes.transition, nodes.pending)
_LISTS = (nodes.bullet_list, nodes.enumerated_list)


def _text_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``:ref:`the guide <target>``` -> "the guide"; ``:py:func:`~pkg.run``` -> "pkg.run"."""
    shown = _TARGET.sub("", utils.unescape(text)).lstrip("~!") or utils.unescape(text)
    return [nodes.inline(rawtext, shown)], []


class _AnyOptions(dict):
    """Accepts every option of an unknown directive (``:maxdepth: 2``), as text."""

    def __missing__(self, key: str):
        return directives.unchanged

    def __bool__(self) -> bool:  # docutils parses options only when a directive has some
        return True


class _GenericDirective(Directive):
    """An unknown directive: its argument as a paragraph, then its content as reStructuredText."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = _AnyOptions()

    def run(self) -> list[nodes.Node]:
        box = nodes.container()
        if self.arguments:
            box += nodes.paragraph(self.arguments[0], self.arguments[0])
        if self.content:
            self.state.nested_parse(self.content, self.content_offset, box)
        return [box]


def _register_unknown(text: str) -> None:
    document = utils.new_document("<rst>", _settings())
    for name in set(_DIRECTIVE_NAME.findall(text)):
        if directives.directive(name.lower(), en, document)[0] is None:
            directives.register_directive(name.lower(), _GenericDirective)
    for name in set(_ROLE_NAME.findall(text)):
        if roles.role(name.lower(), en, 0, document.reporter)[0] is None:
            roles.register_local_role(name.lower(), _text_role)


def _settings():
    from docutils.frontend import get_default_settings
    from docutils.parsers.rst import Parser

    settings = get_default_settings(Parser)
    for key, value in _SETTINGS.items():
        setattr(settings, key, value)
    return settings


class _Writer:
    def __init__(self) -> None:
        self.title: str | None = None

    def blocks(self, node: nodes.Node, depth: int) -> list[str]:
        out: list[str] = []
        for child in node.children:
            out.extend(self.block(child, depth))
        return [b for b in out if b.strip()]

    def block(self, node: nodes.Node, depth: int) -> list[str]:
        if isinstance(node, _DROPPED) or (isinstance(node, nodes.topic) and "contents" in node["classes"]):
            return []  # ".. contents::" is a table of contents docutils writes, not the manual's text
        if isinstance(node, nodes.section):
            title = squash(node[0].astext()) if node.children and isinstance(node[0], nodes.title) else ""
            self.title = self.title or title or None
            head = [f"{'#' * min(depth + 1, 6)} {title}"] if title else []
            return head + [b for child in node.children[1 if title else 0:] for b in self.block(child, depth + 1)]
        if isinstance(node, (nodes.title, nodes.subtitle, nodes.rubric, nodes.paragraph, nodes.line)):
            return [squash(node.astext().replace("\n", " "))]
        if isinstance(node, (nodes.literal_block, nodes.doctest_block)):
            return [node.astext().rstrip()]
        if isinstance(node, _LISTS):
            return [self.list_block(node, depth)]
        if isinstance(node, nodes.table):
            caption = [squash(c.astext()) for c in node.children if isinstance(c, nodes.title)]
            return ["\n".join(caption + self.table(node))]
        if isinstance(node, (nodes.definition_list_item, nodes.field)):
            term, *rest = node.children
            body = " ".join(squash(b) for c in rest for b in self.blocks(c, depth))
            return [f"{squash(term.astext())}: {body}" if body else squash(term.astext())]
        if isinstance(node, nodes.Admonition):
            children, label = list(node.children), node.tagname.capitalize()
            if children and isinstance(children[0], nodes.title):  # ".. admonition:: Before you start"
                label, children = squash(children[0].astext()), children[1:]
            body = [b for child in children for b in self.block(child, depth) if b.strip()]
            return [f"{label}: {body[0]}", *body[1:]] if body else []
        return self.blocks(node, depth)  # containers, block quotes, topics, directives we made generic

    def list_block(self, node: nodes.Node, depth: int) -> str:
        start = int(node.get("start", 1))
        items = []
        for n, item in enumerate(node.children):
            marker = f"{start + n}." if isinstance(node, nodes.enumerated_list) else "-"
            lines = "\n".join(self.blocks(item, depth)).split("\n")
            rest = [f"    {x}" if x.strip() else "" for x in lines[1:]]  # indented under its item, as Markdown's
            items.append("\n".join([f"{marker} {lines[0]}".rstrip(), *rest]))
        return "\n".join(items)

    def table(self, node: nodes.Node) -> list[str]:
        header: list[str] = []
        rows: list[list[str]] = []
        for part in node.findall(lambda n: isinstance(n, (nodes.thead, nodes.tbody))):
            for row in part.findall(nodes.row):
                cells = ["; ".join(squash(p.astext()) for p in entry.children) for entry in row.children]
                if isinstance(part, nodes.thead):
                    header = cells
                else:
                    rows.append(cells)
        return table_lines(header, rows)


def rst_to_text(text: str) -> tuple[str | None, str]:
    """(title, text with ``#`` headings); the title is the first section's."""
    _register_unknown(text)
    doctree = publish_doctree(text, settings_overrides=_SETTINGS)
    writer = _Writer()
    body = "\n\n".join(writer.blocks(doctree, 0))
    return writer.title, body.strip()
