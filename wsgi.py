"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""
import gc

from app import create_app

app = create_app()

# What the app builds at start (SQLAlchemy's mappers and tables, the catalogues, the place index: ~200,000
# objects) lives as long as the process. Frozen out of the collector's generations, a full collection no
# longer walks it: one ~100-110 ms pause on some guest's request in each worker's first minutes became
# 7-13 ms (bench/RESULTS.md, "Frozen at start"). The garbage of the start is collected first, so none of
# it is kept for good.
gc.collect()
gc.freeze()
