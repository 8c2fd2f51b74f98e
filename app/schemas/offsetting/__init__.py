"""Schemas of offsetting and money (mirrors services.offsetting)."""
