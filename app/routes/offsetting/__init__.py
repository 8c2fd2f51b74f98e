"""Views of the offsetting room (mirrors services.offsetting)."""
