"""Tables: CSV/TSV/JSON/JSONL files read into rows (``table``), their columns matched by one alias
table (``columns``), and the loaders that turn rows into documents: work orders, sensor series,
and generic records for anything else."""
