"""Views of the guest room (mirrors services.guest)."""
