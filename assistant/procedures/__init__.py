"""Procedures as checklists: the pydantic ``model``, the ``builder`` that assembles one from a
manual's section and the work orders, and its helpers (``text``, ``sections``, ``sources``)."""
