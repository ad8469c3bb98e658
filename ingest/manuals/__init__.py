"""Manuals: PDF, Markdown, HTML and plain-text loaders (``loader.ManualLoader`` picks by extension)."""
