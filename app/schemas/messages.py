"""marshmallow's messages as coded msgids of the catalogue (app/i18n.py), not English to be parsed later.

`install()` (run by app/schemas/__init__.py, before any schema class exists) replaces the default error
messages of every marshmallow field type, of the schema (`unknown`, `type`) and of the validators the
schemas use with `Msg` objects: an English msgid plus a code (`required`, `null`, `invalid`, `length.max`,
`range`, `one_of`, ...). marshmallow formats them as usual and gets a `Msg` back, which still carries its
msgid and values, so app.errors translates each field problem by msgid with its parameters: no regular
expression over English text. The English wording, and so the `en` output, is marshmallow's own.
"""
from __future__ import annotations

import marshmallow
from marshmallow import fields, validate

from app.i18n import N_, Msg, coded  # noqa: F401 - coded is re-exported for the schemas

_VALIDATOR_MESSAGES = {
    validate.Length: ("message_min", "message_max", "message_all", "message_equal"),
    validate.OneOf: ("default_message",),
    validate.Email: ("default_message",),
    validate.URL: ("default_message",),
    validate.Regexp: ("default_message",),
    validate.Equal: ("default_message",),
    validate.NoneOf: ("default_message",),
    validate.ContainsOnly: ("default_message",),
    validate.ContainsNoneOf: ("default_message",),
    validate.Predicate: ("default_message",),
}

_installed = False


def _code(cls: type, name: str) -> str:
    return f"{cls.__name__.lower()}.{name.replace('default_', '').replace('message_', '')}"


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    for cls in _field_classes():
        own = cls.__dict__.get("default_error_messages")
        if own:
            cls.default_error_messages = {key: Msg(str(text), key) for key, text in own.items()}
    marshmallow.Schema._default_error_messages = {
        key: Msg(str(text), f"schema.{key}") for key, text in marshmallow.Schema._default_error_messages.items()}
    for cls, names in _VALIDATOR_MESSAGES.items():
        for name in names:
            setattr(cls, name, Msg(str(getattr(cls, name)), _code(cls, name)))

    def _range_error(self, value, message):
        # Range words its message from its bounds when it is made ("Must be greater than or equal to {min}.").
        if self.error:
            return self.error.format(input=value, min=self.min, max=self.max)
        return Msg(str(message), "range", {"input": value, "min": self.min, "max": self.max})

    validate.Range._format_error = _range_error


def _field_classes():
    seen, todo = set(), [fields.Field]
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        todo.extend(cls.__subclasses__())
        yield cls



#: marshmallow's own messages, for extraction (their translations are looked up by these msgids).
MARSHMALLOW_MSGIDS = (
    N_('Missing data for required field.'),
    N_('Field may not be null.'),
    N_('Invalid value.'),
    N_('Must be one of: {choices}.'),
    N_('Not a valid IP interface.'),
    N_('Not a valid IPv6 interface.'),
    N_('Not a valid IPv4 interface.'),
    N_('Not a valid IP address.'),
    N_('Not a valid IPv6 address.'),
    N_('Not a valid IPv4 address.'),
    N_('Not a valid mapping type.'),
    N_('Not a valid period of time.'),
    N_('{input!r} cannot be formatted as a timedelta.'),
    N_('Not a valid {obj_type}.'),
    N_('Not a valid {awareness} {obj_type}.'),
    N_('"{input}" cannot be formatted as a {obj_type}.'),
    N_('Not a valid date.'),
    N_('"{input}" cannot be formatted as a date.'),
    N_('Not a valid boolean.'),
    N_('Not a valid number.'),
    N_('Number too large.'),
    N_('Special numeric values (nan or infinity) are not permitted.'),
    N_('Not a valid integer.'),
    N_('Not a valid UUID.'),
    N_('Not a valid string.'),
    N_('Not a valid utf-8 string.'),
    N_('Not a valid email address.'),
    N_('Not a valid URL.'),
    N_('Not a valid tuple.'),
    N_('Not a valid list.'),
    N_('Invalid type.'),
    N_('Invalid input type.'),
    N_('Unknown field.'),
    N_('Shorter than minimum length {min}.'),
    N_('Longer than maximum length {max}.'),
    N_('Length must be between {min} and {max}.'),
    N_('Length must be {equal}.'),
    N_('String does not match expected pattern.'),
    N_('Must be equal to {other}.'),
    N_('Invalid input.'),
    N_('One or more of the choices you made was not in: {choices}.'),
    N_('One or more of the choices you made was in: {values}.'),
    N_('Must be greater than or equal to {min}.'),
    N_('Must be greater than {min}.'),
    N_('Must be less than or equal to {max}.'),
    N_('Must be less than {max}.'),
    N_('Must be greater than or equal to {min} and less than or equal to {max}.'),
    N_('Must be greater than or equal to {min} and less than {max}.'),
    N_('Must be greater than {min} and less than or equal to {max}.'),
    N_('Must be greater than {min} and less than {max}.'),
)
