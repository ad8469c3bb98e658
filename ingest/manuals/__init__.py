"""Manuals: PDF, Markdown, HTML, AsciiDoc and plain-text (also reStructuredText) loaders.

``loader.ManualLoader`` picks one by extension."""
