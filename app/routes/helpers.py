"""Request parsing shared by the views: JSON bodies and query strings through marshmallow."""
from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, current_app, g, make_response, render_template, request
from marshmallow import EXCLUDE, Schema, ValidationError, fields

from app.errors import InvalidJSON, UnsupportedMediaType
from app.i18n import N_
from app.jsonutil import BadText, JSONRejected, good_text, loads_request

NOT_TEXT = N_("Not valid text (a NUL character or an unpaired surrogate).")


def json_body(schema: Schema) -> dict:
    """Load the JSON object body with `schema` (unknown fields are errors). Empty body = {}.

    Every JSON body of the API is read here. :raise UnsupportedMediaType: a body that is not
    `application/json` (a form post, text/plain: what a cross-site form can send). :raise InvalidJSON:
    unparseable, nested deeper than 32 levels or more than 10,000 values. Numbers with a fraction or an
    exponent come in as Decimal: "25.5" km never passes through a binary float on its way to a kilogram.
    """
    raw = request.get_data(cache=True)
    if not raw.strip():
        payload, clean = {}, True
    else:
        charset = (request.mimetype_params.get("charset") or "utf-8").lower()
        if request.mimetype != "application/json" or charset not in ("utf-8", "utf8"):
            raise UnsupportedMediaType("Send the body as Content-Type: application/json (UTF-8).")
        try:
            payload, clean = loads_request(raw)
        except JSONRejected as exc:
            raise InvalidJSON(f"The body is not valid JSON: {exc}.") from None
        except BadText as exc:
            raise ValidationError({exc.path: [NOT_TEXT]}) from None
    if not isinstance(payload, dict):
        raise ValidationError({"_schema": [N_("A JSON object is expected.")]})
    if isinstance(payload.get("lang"), str):  # every body may name its language (app.i18n.language)
        g.body_lang = payload.pop("lang")
    data = schema.load(payload)
    bad = [] if clean else _bad_text(data, schema)  # (the body's walk saw every string)
    if bad:
        raise ValidationError({path: [NOT_TEXT] for path in bad})
    return data


def _bad_text(data: dict, schema: Schema) -> list[str]:
    """Dotted request paths of loaded strings with a NUL or an unpaired surrogate. Names have been
    through clean_text (which drops both); any other field holding one is refused rather than sent to
    the database."""
    bad: list[str] = []
    stack: list[tuple[object, fields.Field | None, Schema | None, tuple[str, ...]]] = [(data, None, schema, ())]
    while stack:
        value, field, nested, path = stack.pop()
        if isinstance(value, str):
            if not good_text(value):
                bad.append(".".join(path) or "_schema")
        elif isinstance(value, dict):
            if nested is None and isinstance(field, fields.Nested):
                nested = field.schema
            for name, item in value.items():
                inner = nested.fields.get(name) if nested is not None else None
                key = (inner.data_key or name) if inner is not None else str(name)
                stack.append((item, inner, None, (*path, key)))
        elif isinstance(value, list | tuple):
            inner = field.inner if isinstance(field, fields.List) else None
            stack.extend((item, inner, None, (*path, str(i))) for i, item in enumerate(value))
    return sorted(bad)


def query_args(schema: Schema) -> dict:
    """Load query parameters; unknown ones are ignored (cache busters, tracking). A NUL is refused."""
    bad = sorted(name for name, value in request.args.items(multi=True) if "\x00" in value or "\x00" in name)
    if bad:
        raise ValidationError({name if "\x00" not in name else "_schema": [NOT_TEXT] for name in bad})
    return schema.load(request.args, unknown=EXCLUDE)


def paginated(data: list, args: dict, total: int) -> dict:
    """The one shape of every paged list: `{"data": [...], "pagination": {"offset", "limit", "total"}}`."""
    return {"data": data, "pagination": {"offset": args["offset"], "limit": args["limit"], "total": total}}


def _image_origin() -> str:
    """Certificate images come from PUBLIC_BASE_URL, which may be another origin than the page's."""
    parts = urlsplit(current_app.config.get("PUBLIC_BASE_URL") or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


def script_page(template: str, **context):
    """A page shell whose scripts do the rest (guest preview, staff console), with a strict CSP:
    nothing from outside the service, no inline scripts or styles."""
    response = make_response(render_template(template, sandbox=bool(current_app.config.get("SANDBOX")), **context))
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        f"img-src 'self' {_image_origin()}".rstrip() + "; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# -- headers of every response ---------------------------------------------------------------------------

def csp_nonce() -> str:
    """The request's CSP nonce for the server-rendered pages' own <style> block (templates call it)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def register_security_headers(app: Flask) -> None:
    """Every response: `X-Content-Type-Options: nosniff`. Every HTML page (the verify page, the registry,
    printed links, their not-found pages, error pages): a Content-Security-Policy that allows no script,
    no frame around it, styles only from the service or its own nonce'd <style>, and a Referrer-Policy.
    Pages that set their own policy (the preview and the console, `script_page`) keep it."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if response.mimetype == "text/html":
            if "Content-Security-Policy" not in response.headers:
                nonce = f" 'nonce-{g.csp_nonce}'" if "csp_nonce" in g else ""
                response.headers["Content-Security-Policy"] = (
                    f"default-src 'none'; style-src 'self'{nonce}; img-src 'self'; "
                    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
            response.headers.setdefault("Referrer-Policy", "same-origin")
            response.headers.setdefault("X-Frame-Options", "DENY")
        return response
