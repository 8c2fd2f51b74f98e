"""Schemas of the staff console (mirrors services.console)."""
