"""Tasks the queue tests enqueue by name (app.tasks.queue resolves dotted names): they record or fail."""
from __future__ import annotations

RAN: list[tuple] = []


def record(*args):
    RAN.append(args)
    return len(args)


def fail(*args):
    raise RuntimeError(f"failing on purpose with {args}")
