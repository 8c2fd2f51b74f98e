"""Tiny message catalogue: error messages follow Accept-Language (zh-CN default, en)."""
from __future__ import annotations

import re

from flask import has_request_context, request

MESSAGES: dict[str, dict[str, str]] = {
    "bad_request": {"zh": "请求无效", "en": "The request is not valid."},
    "invalid_json": {"zh": "请求体不是有效的 JSON（无法解析、嵌套过深或内容过多）",
                     "en": "The body is not valid JSON (unparseable, nested too deep or too large)."},
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
    "service_unavailable": {"zh": "服务暂时不可用，请稍后再试",
                            "en": "The service is not available right now; please try again shortly."},
    # offsetting and proof
    "project_not_found": {"zh": "找不到该减排项目", "en": "No such offset project."},
    "project_exists": {"zh": "该减排项目已存在", "en": "This project already exists."},
    "credit_import_invalid": {"zh": "碳信用导入文件有误", "en": "The credit import file is not valid."},
    "insufficient_credits": {"zh": "该项目可用的减排量不足", "en": "Not enough credits left on this project."},
    "order_not_found": {"zh": "找不到该订单", "en": "No such order."},
    "too_many_open_orders": {"zh": "未支付的订单过多，请先支付或取消",
                             "en": "Too many unpaid orders: pay or cancel one first."},
    "hold_limit_reached": {"zh": "未支付订单占用的减排量已达上限",
                           "en": "Your unpaid orders already hold as much as one guest may."},
    "idempotency_key_reused": {"zh": "该幂等键已用于另一笔订单请求",
                               "en": "This Idempotency-Key was used for another request."},
    "order_not_cancellable": {"zh": "该订单已支付，无法取消", "en": "This order is paid and cannot be cancelled."},
    "payment_rejected": {"zh": "支付信息与订单不符", "en": "The payment does not match the order."},
    "order_not_refundable": {"zh": "该订单无法退款", "en": "This order cannot be refunded."},
    "refund_failed": {"zh": "退款失败，请稍后再试", "en": "The refund failed; please try again."},
    "certificate_not_found": {"zh": "找不到该证书", "en": "No such certificate."},
    "invalid_notification": {"zh": "支付通知验证失败", "en": "The payment notification did not verify."},
    "malformed_notification": {"zh": "支付通知格式错误", "en": "The payment notification is malformed."},
    "prepay_not_found": {"zh": "找不到该支付单", "en": "No such payment."},
    "payment_closed": {"zh": "该支付单已关闭或过期", "en": "This payment is closed or expired."},
    # staff console and API
    "rate_limited": {"zh": "请求过于频繁，请稍后再试", "en": "Too many requests; please try again shortly."},
    "invalid_credentials": {"zh": "邮箱或密码错误", "en": "Wrong email or password."},
    "forbidden": {"zh": "您的账号无权进行此操作", "en": "Your account may not do this."},
    "csrf_failed": {"zh": "页面已过期，请刷新后重试", "en": "The page is out of date; reload it and try again."},
    "staff_not_found": {"zh": "找不到该工作人员账号", "en": "No such staff account."},
    "cannot_disable_self": {"zh": "不能停用自己的账号", "en": "You cannot disable your own account."},
    "staff_exists": {"zh": "该邮箱已有账号", "en": "This email already has an account."},
    "scenario_exists": {"zh": "该场景代码已被使用", "en": "This scenario code is taken."},
    "door_exists": {"zh": "该入口标识已存在", "en": "This door tag already exists."},
    "door_not_found": {"zh": "找不到该入口", "en": "No such door."},
    "assignment_not_found": {"zh": "该工作人员未被分配到此场景", "en": "This staff member is not assigned here."},
    "organization_not_found": {"zh": "找不到该机构", "en": "No such organisation."},
    "payout_exceeds_balance": {"zh": "付款金额超过应付余额", "en": "The payout is more than what is owed."},
    "payout_exists": {"zh": "该银行流水号已登记", "en": "This bank reference is already recorded."},
    "correction_exceeds_payouts": {"zh": "冲正金额超过已付款总额", "en": "The correction is more than was paid out."},
    "event_footprint_not_found": {"zh": "找不到该活动碳足迹", "en": "No such event footprint."},
    "topup_not_found": {"zh": "找不到该补足订单或已无法支付", "en": "No such top-up, or it can no longer be paid."},
    "event_already_neutralised": {"zh": "该活动已有有效的活动碳中和证书",
                                  "en": "This event already has a valid event certificate."},
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
    (r"^Not valid text \(a NUL character or an unpaired surrogate\)\.$", "含有无效字符（NUL 或不成对的代理项）"),
    (r"^At most (\d+) decimal places\.$", r"小数位数至多为 \1"),
    (r"^Not a valid number \(too many digits or an absurd exponent\)\.$", "数字无效（位数过多或指数异常）"),
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
