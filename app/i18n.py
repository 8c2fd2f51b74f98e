"""Tiny message catalogue: error messages follow Accept-Language (zh-CN default, en)."""
from __future__ import annotations

import re

from flask import has_request_context, request

MESSAGES: dict[str, dict[str, str]] = {
    "bad_request": {"zh": "请求无效", "en": "The request is not valid."},
    "validation_error": {"zh": "请求参数有误，请检查标出的字段", "en": "Some fields are not valid."},
    "unauthorized": {"zh": "请先登录", "en": "Please log in first."},
    "token_invalid": {"zh": "登录凭证无效，请重新登录", "en": "The login token is not valid; please log in again."},
    "token_expired": {"zh": "登录已过期，请重新登录", "en": "The login token has expired; please log in again."},
    "invalid_login_code": {"zh": "微信登录凭证无效或已过期", "en": "The WeChat login code is invalid or expired."},
    "wechat_unavailable": {"zh": "微信服务暂时不可用，请稍后再试", "en": "WeChat is not answering; please try again."},
    "not_found": {"zh": "找不到请求的资源", "en": "Not found."},
    "method_not_allowed": {"zh": "不支持该请求方法", "en": "This method is not allowed here."},
    "scenario_not_found": {"zh": "找不到该场景", "en": "No such scenario."},
    "scenario_closed": {"zh": "该场景已结束", "en": "This scenario is closed."},
    "invalid_deeplink": {"zh": "二维码内容无法识别", "en": "The QR code content is not recognised."},
    "footprint_not_found": {"zh": "找不到该碳足迹记录", "en": "No such footprint."},
    "factor_set_not_found": {"zh": "找不到该排放因子集", "en": "No such emission factor set."},
    "payload_too_large": {"zh": "请求内容过大", "en": "The request body is too large."},
    "unsupported_media_type": {"zh": "请求体必须是 JSON", "en": "The request body must be JSON."},
    "internal_error": {"zh": "服务器内部错误", "en": "Internal server error."},
    "service_unavailable": {"zh": "服务暂时不可用", "en": "The service is not available."},
}


def language() -> str:
    """'en' when the client prefers English, else 'zh' (the product's default)."""
    if not has_request_context():
        return "zh"
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"], default="zh-CN")
    return "en" if best == "en" else "zh"


def message(code: str, lang: str | None = None) -> str:
    entry = MESSAGES.get(code) or MESSAGES["bad_request"]
    return entry[lang or language()]


# Field problems (marshmallow's and ours) in Chinese; English stays as written. Order matters.
_FIELD_ZH: list[tuple[re.Pattern, str]] = [(re.compile(p), r) for p, r in [
    (r"^Missing data for required field\.$", "缺少必填字段"),
    (r"^Unknown field\.$", "不认识的字段"),
    (r"^Field may not be null\.$", "不能为空"),
    (r"^Not a valid integer\.$", "应为整数"),
    (r"^Not a valid number\.$", "应为数字"),
    (r"^Not a valid string\.$", "应为文本"),
    (r"^Not a valid boolean\.$", "应为 true 或 false"),
    (r"^Not a valid list\.$", "应为列表"),
    (r"^Invalid input type\.$", "类型不正确"),
    (r"^Invalid value\.$", "取值无效"),
    (r"^Special numeric values \(nan or infinity\) are not permitted\.$", "不允许 NaN 或无穷大"),
    (r"^Must be one of: (.*)\.$", r"应为以下之一：\1"),
    (r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$", r"应在 \1 到 \2 之间"),
    (r"^Must be greater than (\S+) and less than or equal to (\S+)\.$", r"应大于 \1 且不超过 \2"),
    (r"^Must be greater than or equal to (\S+)\.$", r"应不小于 \1"),
    (r"^Must be less than or equal to (\S+)\.$", r"应不超过 \1"),
    (r"^Length must be between (\S+) and (\S+)\.$", r"长度应在 \1 到 \2 之间"),
    (r"^Shorter than minimum length (\S+)\.$", r"长度至少为 \1"),
    (r"^Longer than maximum length (\S+)\.$", r"长度至多为 \1"),
    (r"^Give distance_km, or from and to\.$", "请填写单程距离，或同时选择出发地和目的地"),
    (r"^Give distance_km or from/to, not both\.$", "距离与出发地/目的地只能二选一"),
    (r"^Missing the starting place\.$", "请选择出发地"),
    (r"^Missing the destination\.$", "请选择目的地"),
    (r"^Enter the distance for metro and bus rides\.$", "地铁和公交请直接填写距离"),
    (r"^Only cars and motorbikes are shared per vehicle\.$", "同车人数仅适用于私家车和摩托车"),
    (r"^Fill in at least one section\.$", "请至少填写一项"),
    (r"^Unknown place: .*$", "找不到该地点，请从地点搜索中选择"),
    (r"^The two places are the same\.$", "出发地和目的地相同"),
    (r"^Not offered for a (\w+) scenario .*$", r"该场景（\1）不提供此项"),
    (r"^At least the footprint's (\d+) kg\.$", r"至少为碳足迹的 \1 kg"),
    (r"^Not a scan of this scenario\.$", "扫码记录不属于该场景"),
    (r"^A JSON object is expected\.$", "请求体应为 JSON 对象"),
]]


def field_messages(fields: dict[str, list[str]], lang: str | None = None) -> dict[str, list[str]]:
    """The 422 `fields` in the client's language (unknown messages are left in English)."""
    if (lang or language()) != "zh":
        return fields
    return {name: [_zh(m) for m in problems] for name, problems in fields.items()}


def _zh(message: str) -> str:
    for pattern, replacement in _FIELD_ZH:
        if pattern.match(message):
            return pattern.sub(replacement, message)
    return message
