"""`N_`: marks an English msgid of the catalogue (app/i18n.py) for extraction; pure code translates nothing."""


def N_(msgid: str) -> str:
    return msgid
