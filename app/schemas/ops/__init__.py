"""Schemas of the operations endpoints (the sandbox's pay sheet)."""
