"""Record tables (repair logs, FMEA sheets, alarm lists) queried as tables: counts, latest / oldest, most common."""
