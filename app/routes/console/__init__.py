"""Views of the console room (mirrors services.console)."""
