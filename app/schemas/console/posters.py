"""A door's poster: the paper size and languages (the file type is in the path)."""
from marshmallow import Schema, fields, post_load, validate

from app.i18n import LANGUAGES, language
from app.rendering.poster import FORMATS


class PosterQuerySchema(Schema):
    paper = fields.String(load_default="a4", validate=validate.OneOf(sorted(FORMATS)))
    # The poster's language (else the request's: Accept-Language, else Chinese), and the language of its
    # smaller second lines ("none": one language only): by default English under Chinese, Chinese under
    # any other language.
    lang = fields.String(load_default=None, validate=validate.OneOf(LANGUAGES))
    second = fields.String(load_default=None, validate=validate.OneOf((*LANGUAGES, "none")))

    @post_load
    def _second_language(self, data: dict, **_kwargs) -> dict:
        data["lang"] = data["lang"] or language()
        if data["second"] is None:
            data["second"] = "en" if data["lang"] == "zh" else "zh"
        elif data["second"] in ("none", data["lang"]):
            data["second"] = None
        return data
