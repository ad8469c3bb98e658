"""Work-order history: the question parser (``query``), the table and its queries (``store``),
the answer text (``answer``) and the date / topic words they share (``text``).

"History" means work orders only; earlier turns of a chat are the *conversation*."""
