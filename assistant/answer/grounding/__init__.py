"""What keeps an answer to its sources: the evidence gate and question focus, citation and number
checks, quoted source lines, answer style, and one-line declines."""
