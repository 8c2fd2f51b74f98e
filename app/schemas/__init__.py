"""marshmallow schemas: <Resource><Purpose>Schema, one module per resource (load and dump kept apart)."""
from app.schemas.messages import install as _install_messages

# Before any schema class is defined: fields copy their messages when they are made (app/schemas/messages.py).
_install_messages()
