"""A door's poster: the paper size and languages (the file type is in the path)."""
from marshmallow import Schema, fields, post_load, validate

from app.i18n import LANGUAGES
from app.rendering.poster import FORMATS


class PosterQuerySchema(Schema):
    paper = fields.String(load_default="a4", validate=validate.OneOf(sorted(FORMATS)))
    # The poster's language, and the language of its smaller second lines ("none": one language only);
    # by default Chinese with English under it, another language with Chinese under it.
    lang = fields.String(load_default="zh", validate=validate.OneOf(LANGUAGES))
    second = fields.String(load_default=None, validate=validate.OneOf((*LANGUAGES, "none")))

    @post_load
    def _second_language(self, data: dict, **_kwargs) -> dict:
        if data["second"] is None:
            data["second"] = "en" if data["lang"] == "zh" else "zh"
        elif data["second"] in ("none", data["lang"]):
            data["second"] = None
        return data
