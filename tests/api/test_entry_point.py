"""The WSGI entry point (`gunicorn wsgi:app`, `flask --app wsgi`), as a worker process imports it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc, wsgi
frozen, left = gc.get_freeze_count(), len(gc.get_objects())
print(frozen, left, int(gc.isenabled()), gc.collect())
"""


def test_the_start_is_frozen_out_of_the_collectors_walks(tmp_path):
    """What the app built at start is moved to the permanent generation, so a worker's full collections
    walk only what requests made since; the collector stays on, and the start left no cyclic garbage in it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "WXPAY_", "REDIS_URL"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/entry.db"
    proc = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    frozen, left, enabled, collected = (int(x) for x in proc.stdout.split())
    assert frozen > 50_000  # the mappers, the catalogues, the place index: ~200,000 objects here
    assert left < frozen // 20  # what the collector still walks after the import
    assert enabled == 1
    assert collected < 50  # nothing of the start was frozen as garbage: a collection right after finds ~none
