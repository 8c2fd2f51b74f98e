"""Views of the ops room (mirrors services.ops)."""
