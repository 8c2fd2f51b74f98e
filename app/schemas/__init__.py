"""marshmallow schemas: <Resource><Purpose>Schema, one module per resource (load and dump kept apart)."""
