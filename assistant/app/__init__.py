"""The Chainlit chat app. ``main.py`` is the Chainlit entry; the other modules hold testable logic."""
