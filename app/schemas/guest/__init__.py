"""Schemas of the guest journey (mirrors services.guest)."""
