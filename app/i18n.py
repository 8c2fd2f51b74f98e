"""The one message catalogue: every text the service produces, in six languages.

Source: `app/translations/<lang>/LC_MESSAGES/messages.po` (gettext, edited by translators; `make i18n`
extracts and updates them, see babel.cfg), read with Babel when the process starts; no compiled .mo.
The catalogue itself (reading it, the fallback rule, picking a text) is app/catalogue.py, without Flask,
so the pure renderers read their wording there; this module adds the request's language on top.

Message ids are the English source texts (gettext's convention), with a context where one English text
needs two translations (`msgctxt`) and, for the preview's and console's strings, the JavaScript key as
the context (`preview:steps.scan`): a translator sees the English, English needs no lookup, and an
English rewording makes the old translations fuzzy on the next `make i18n`, which is what should happen.
Clients never see a msgid: error codes (`scenario_not_found`) and validation codes (`required`) are the
stable identifiers; `MESSAGES` maps each error code to its msgid.

Languages (contract v1.1): zh (simplified, the default), en, fr, hi, bn, sw. `lang` (query string, or a
JSON body's top-level `lang`) wins over Accept-Language, regional tags match their language (zh-CN,
fr-FR, en-GB, sw-KE). A message missing in a language falls back to English for a Latin-script language
(fr, sw) and to Chinese otherwise (hi, bn); a message missing in Chinese falls back to English.
"""
from __future__ import annotations

from flask import g, has_request_context, request

from app.catalogue import (  # noqa: F401 - the catalogue's names, re-exported for the app's callers
    DEFAULT_LANGUAGE,
    LANGUAGES,
    LATIN_SCRIPT,
    N_,
    TRANSLATIONS_DIR,
    catalogue,
    covers_phrase,
    fallback_chain,
    keyed,
    lookup,
    normalise,
    pick,
    pick_text,
    zh_or_en,
)
from app.catalogue import translate as _translate
from app.ui_strings import CONSOLE

#: The value of `<html lang>` per language.
HTML_LANG = {"zh": "zh-CN", "en": "en", "fr": "fr", "hi": "hi", "bn": "bn", "sw": "sw"}


# Error code -> msgid. Codes are the API's (miniprogram_api.md); the texts are English msgids.
MESSAGES: dict[str, str] = {
    "bad_request": N_("The request is not valid."),
    "invalid_json": N_("The body is not valid JSON (unparseable, nested too deep or too large)."),
    "validation_error": N_("Some fields are not valid."),
    "unauthorized": N_("Please log in first."),
    "token_invalid": N_("The login token is not valid; please log in again."),
    "token_expired": N_("The login token has expired; please log in again."),
    "invalid_login_code": N_("The WeChat login code is invalid or expired."),
    "wechat_unavailable": N_("WeChat is not answering; please try again."),
    "not_found": N_("Not found."),
    "method_not_allowed": N_("This method is not allowed here."),
    "scenario_not_found": N_("No such scenario."),
    "scenario_closed": N_("This scenario is closed."),
    "invalid_deeplink": N_("The QR code content is not recognised."),
    "footprint_not_found": N_("No such footprint."),
    "factor_set_not_found": N_("No such emission factor set."),
    "payload_too_large": N_("The request body is too large."),
    "unsupported_media_type": N_("The request body must be JSON."),
    "internal_error": N_("Internal server error."),
    "service_unavailable": N_("The service is not available right now; please try again shortly."),
    # offsetting and proof
    "project_not_found": N_("No such offset project."),
    "project_exists": N_("This project already exists."),
    "credit_import_invalid": N_("The credit import file is not valid."),
    "insufficient_credits": N_("Not enough credits left on this project."),
    "order_not_found": N_("No such order."),
    "too_many_open_orders": N_("Too many unpaid orders: pay or cancel one first."),
    "hold_limit_reached": N_("Your unpaid orders already hold as much as one guest may."),
    "idempotency_key_reused": N_("This Idempotency-Key was used for another request."),
    "order_not_cancellable": N_("This order is paid and cannot be cancelled."),
    "payment_rejected": N_("The payment does not match the order."),
    "order_not_refundable": N_("This order cannot be refunded."),
    "refund_failed": N_("The refund failed; please try again."),
    "certificate_not_found": N_("No such certificate."),
    "invalid_notification": N_("The payment notification did not verify."),
    "malformed_notification": N_("The payment notification is malformed."),
    "prepay_not_found": N_("No such payment."),
    "payment_closed": N_("This payment is closed or expired."),
    # staff console and API
    "rate_limited": N_("Too many requests; please try again shortly."),
    "invalid_credentials": N_("Wrong email or password."),
    "forbidden": N_("Your account may not do this."),
    "csrf_failed": N_("The page is out of date; reload it and try again."),
    "staff_not_found": N_("No such staff account."),
    "cannot_disable_self": N_("You cannot disable your own account."),
    "staff_exists": N_("This email already has an account."),
    "scenario_exists": N_("This scenario code is taken."),
    "door_exists": N_("This door tag already exists."),
    "door_not_found": N_("No such door."),
    "assignment_not_found": N_("This staff member is not assigned here."),
    "organization_not_found": N_("No such organisation."),
    "payout_exceeds_balance": N_("The payout is more than what is owed."),
    "payout_exists": N_("This bank reference is already recorded."),
    "correction_exceeds_payouts": N_("The correction is more than was paid out."),
    "event_footprint_not_found": N_("No such event footprint."),
    "topup_not_found": N_("No such top-up, or it can no longer be paid."),
    "event_already_neutralised": N_("This event already has a valid event certificate."),
}


class Msg(str):
    """A message with a code and parameters: marshmallow formats it (`.format(**kw)`) into another Msg,
    so a validation error still says which msgid and values it came from when it is translated."""

    code: str
    msgid: str
    params: dict

    def __new__(cls, msgid: str, code: str | None = None, params: dict | None = None):
        params = params or {}
        text = msgid.format(**params) if params else msgid
        self = super().__new__(cls, text)
        self.msgid, self.code, self.params = msgid, code or msgid, params
        return self

    def format(self, *args, **kwargs):  # noqa: A003 - str.format's name
        if args:
            return str.format(self.msgid, *args, **kwargs)
        return Msg(self.msgid, self.code, {**self.params, **kwargs})

    def __reduce__(self):
        return (Msg, (self.msgid, self.code, self.params))


# -- the catalogue ---------------------------------------------------------------------------------------

def translate(msgid: str, lang: str | None = None, context: str | None = None, **params) -> str:
    """`msgid` in `lang` (default: the request's), `{name}` placeholders filled from `params`
    (app.catalogue.translate with the request's language)."""
    return _translate(msgid, lang or language(), context, **params)


def pgettext(context: str, msgid: str, lang: str | None = None, **params) -> str:
    return translate(msgid, lang, context, **params)


def message(code: str, lang: str | None = None) -> str:
    """The error message of an error code in `lang` (default: the request's)."""
    return translate(MESSAGES.get(code) or MESSAGES["bad_request"], lang)


def field_messages(fields: dict[str, list[str]], lang: str | None = None) -> dict[str, list[str]]:
    """The 422 `fields` in the client's language: a coded message (Msg) by its msgid and parameters, a
    plain string by itself as a msgid (left in English when the catalogue does not know it)."""
    lang = lang or language()
    return {name: [field_message(m, lang) for m in problems] for name, problems in fields.items()}


def field_message(problem: str, lang: str) -> str:
    if isinstance(problem, Msg):
        params = {k: _param(v, lang) for k, v in problem.params.items()}
        return translate(problem.msgid, lang, **params)
    return translate(str(problem), lang)


def _param(value, lang: str):
    if isinstance(value, Msg):
        return field_message(value, lang)
    return value


# -- negotiation -----------------------------------------------------------------------------------------

def requested_language() -> str | None:
    """The `lang` the client asked for explicitly: the query string, else a JSON body's `lang`."""
    if not has_request_context():
        return None
    return normalise(request.args.get("lang")) or normalise(g.get("body_lang"))


def language() -> str:
    """The request's language: `lang` (query or body), else Accept-Language, else 'zh'.

    Outside a request: 'zh'. Code that only has Chinese and English texts asks `zh_or_en(language())`.
    """
    if not has_request_context():
        return DEFAULT_LANGUAGE
    chosen = requested_language()
    if chosen:
        return chosen
    for tag, _quality in request.accept_languages:
        found = normalise(tag)
        if found:
            return found
    return DEFAULT_LANGUAGE


def html_lang(lang: str) -> str:
    return HTML_LANG.get(lang, "zh-CN")


def coded(msgid: str, code: str | None = None, **params) -> Msg:
    """A validation message with a code and parameters: `coded("At least the footprint's {kg} kg.", kg=5)`."""
    return Msg(msgid, code, params)


def template_helpers() -> dict:
    """What every template gets: `lang`, `html_lang`, `_("English msgid", name=value)`, `pgettext`."""
    lang = language()
    return {
        "lang": lang,
        "html_lang": html_lang(lang),
        "_": lambda msgid, **params: translate(msgid, lang, **params),
        "pgettext": lambda context, msgid, **params: translate(msgid, lang, context, **params),
        "pick": lambda zh_text, en_text: pick(zh_text, en_text, lang),
        "text_of": lambda scenario, field: pick_text(scenario.texts_of(field), lang),
        "languages": LANGUAGES,
        "language_names": LANGUAGE_NAMES,
        "console_pair": console_pair,
    }


def console_pair(key: str) -> tuple[str, str]:
    """[Chinese, English] of a console key, as the console's JavaScript `pair(key)` gives it (its shell page
    shows both, whatever the request's language)."""
    return translate(CONSOLE[key], "zh", f"console:{key}"), translate(CONSOLE[key], "en", f"console:{key}")


#: Each language's name in itself (the language menu of the pages).
LANGUAGE_NAMES = {"zh": "中文", "en": "English", "fr": "Français", "hi": "हिन्दी", "bn": "বাংলা", "sw": "Kiswahili"}


def register_template_helpers(app) -> None:
    app.context_processor(template_helpers)
