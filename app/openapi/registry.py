"""What the OpenAPI document says about each route, keyed by its endpoint name (blueprint.view).

One entry per route: the request body and query schemas the view loads, the success status and the schema
it dumps, who may call it and the error codes it can answer beyond the ones those imply. The path, its
parameters (from the URL rule's converters), the method and the summary (the view's docstring) come from
app.url_map itself, so a new route is one line here, e.g.

    "auth.logout": Op(auth=GUEST, status=204),

tests/api/test_openapi.py fails, naming the route, when a route has no entry (or an entry no route).
What each auth kind and each schema implies is in app/openapi/__init__.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.openapi import shapes
from app.schemas.console.assignments import AssignmentCreateSchema, AssignmentSchema
from app.schemas.console.dashboard import DashboardQuerySchema, DashboardSchema
from app.schemas.console.doors import DoorCreateSchema, DoorSchema
from app.schemas.console.events import (
    EventFootprintCreateSchema,
    EventFootprintSchema,
    EventStateSchema,
    TopupCreateSchema,
    TopupSchema,
)
from app.schemas.console.payouts import (
    OrganizationQuerySchema,
    PayoutCreateSchema,
    ProjectSalesSchema,
    SaleSchema,
    SalesQuerySchema,
    StatementQuerySchema,
    StatementSchema,
)
from app.schemas.console.posters import PosterQuerySchema
from app.schemas.console.scenarios import ManagedScenarioSchema, ScenarioCreateSchema, ScenarioUpdateSchema
from app.schemas.console.staff import (
    SignInSchema,
    StaffAccountSchema,
    StaffCreateSchema,
    StaffListQuerySchema,
    StaffSchema,
    StaffUpdateSchema,
)
from app.schemas.guest.auth import LoginSchema, OwnUserSchema
from app.schemas.guest.deeplinks import ResolveQuerySchema, ResolveSchema
from app.schemas.guest.factor_sets import FactorSetSchema
from app.schemas.guest.footprints import FootprintCreateSchema, FootprintSchema
from app.schemas.guest.me import (
    CertificateSummarySchema,
    ExportSchema,
    FootprintSummarySchema,
    PageQuerySchema,
    ProfileSchema,
    ProfileUpdateSchema,
)
from app.schemas.guest.places import PlaceQuerySchema, PlaceSchema
from app.schemas.guest.scenarios import ScenarioQuerySchema, ScenarioSchema
from app.schemas.offsetting.certificates import CertificateSchema
from app.schemas.offsetting.leaderboards import LeaderboardQuerySchema
from app.schemas.offsetting.orders import OrderCreateSchema, OrderListQuerySchema, OrderSchema
from app.schemas.offsetting.projects import ProjectQuerySchema, ProjectSchema
from app.schemas.offsetting.registry import RegistryQuerySchema
from app.schemas.ops.sandbox import ConfirmSchema

# Who may call (see the security schemes in app/openapi/__init__.py).
PUBLIC = "public"
GUEST = "guest"  # a guest's bearer token (401 without)
GUEST_OPTIONAL = "guest_optional"  # login optional: a token attaches the guest, a bad one is still a 401
STAFF = "staff"  # any signed-in staff member (bearer token, or the console's cookie + CSRF header on writes)
STAFF_ROLE = "staff_role"  # a staff member whose role or organisation app.policy checks (403 forbidden)
WECHATPAY_MERCHANT = "wechatpay_merchant"  # the sandbox's WeChat Pay API: WeChat's merchant signature

# Media types of the success response.
JSON = "application/json"
HTML = "text/html"
CSV = "text/csv"
PNG = "image/png"
PDF = "application/pdf"

# Error bodies: our envelope, WeChat Pay's notification answer, WeChat Pay's own API errors, or HTML pages.
ENVELOPE, WECHAT_NOTIFY, WECHATPAY_API, HTML_PAGE = "envelope", "wechat_notify", "wechatpay_api", "html"


# The error codes an entry's kind implies (its own `errors` add the rest). A code the service starts answering
# everywhere (v1.1: invalid_json, rate_limited, service_unavailable) is one word in one of these.
# Every route: a bug; a database away (503 with Retry-After); a rate limit or the heavy-work cap (429 with
# Retry-After: the notify endpoint and /healthz are never limited, but say so on every route for simplicity).
EVERY_ERRORS = ("internal_error", "service_unavailable", "rate_limited")
# json_body: a JSON object body, application/json only, bounded in depth and size.
BODY_ERRORS = ("bad_request", "invalid_json", "unsupported_media_type", "payload_too_large", "validation_error")
QUERY_ERRORS = ("validation_error",)  # query_args
PATH_ERRORS = ("not_found",)  # a path value that leaves its route (a slash) is routing's 404
AUTH_ERRORS = {
    GUEST: ("unauthorized", "token_invalid", "token_expired"),
    GUEST_OPTIONAL: ("token_invalid", "token_expired"),
    STAFF: ("unauthorized", "token_invalid", "token_expired"),
    STAFF_ROLE: ("unauthorized", "token_invalid", "token_expired", "forbidden"),
}
COOKIE_WRITE_ERRORS = ("csrf_failed",)  # staff writes made with the console's cookie


def data_of(schema) -> dict:
    """`{"data": [...]}`: a short list that is never paged."""
    return {"type": "object", "required": ["data"], "properties": {"data": {"type": "array", "items": schema}}}


def page_of(schema, *, total: bool = False) -> dict:
    """`{"data": [...], "pagination": {...}}` (routes.helpers.paginated); `total` repeated at the top for the
    two lists the first console read it from."""
    out = {"type": "object", "required": ["data", "pagination"],
           "properties": {"data": {"type": "array", "items": schema}, "pagination": shapes.PaginationSchema}}
    if total:
        out["required"].append("total")
        out["properties"]["total"] = {"type": "integer"}
    return out


@dataclass(frozen=True)
class Op:
    response: Any = None  # a marshmallow schema (class or instance) or a JSON Schema dict holding them; None: no body
    status: int = 200
    auth: str = PUBLIC
    body: Any = None  # the JSON body's schema (json_body): implies 400 bad_request, 413 and 422
    query: Any = None  # the query string's schema (query_args): implies 422 (with the envelope)
    errors: tuple[str, ...] = ()  # further error codes this route can answer (their statuses come from app.errors)
    media: tuple[str, ...] = (JSON,)
    also: tuple[int, ...] = ()  # other success statuses with the same body (e.g. 200 when nothing was created)
    headers: tuple[dict, ...] = ()  # request header parameters (OpenAPI Parameter Objects without "in")
    response_headers: dict = field(default_factory=dict)
    path: dict = field(default_factory=dict)  # path parameter schemas beyond what the converter says
    error_body: str = ENVELOPE
    summary: str | None = None  # default: the view's docstring
    notes: str | None = None  # appended to the description


IDEMPOTENCY_KEY = {"name": "Idempotency-Key", "required": False, "schema": {
    "type": "string", "pattern": r"^[\x21-\x7e]{1,64}$"},
    "description": "The same key returns the same order (answered with `Idempotent-Replayed: true`)."}
IF_NONE_MATCH = {"name": "If-None-Match", "required": False, "schema": {"type": "string"},
                 "description": "The ETag of a copy you hold: 304 when it is still current."}
WECHATPAY_HEADERS = tuple({"name": name, "required": True, "schema": {"type": "string"}, "description": text}
                          for name, text in (
    ("Wechatpay-Signature", "SHA256withRSA over `timestamp\\nnonce\\nbody\\n`, base64, with the platform key."),
    ("Wechatpay-Timestamp", "Unix seconds; more than 5 minutes off is refused."),
    ("Wechatpay-Nonce", "The signature's nonce."),
    ("Wechatpay-Serial", "The platform public key's id (WXPAY_PUBLIC_KEY_ID)."),
))
WECHATPAY_API_NOTES = ("The sandbox's simulator of WeChat Pay API v3 (what the service's own client reaches "
                       "in-process instead of api.mch.weixin.qq.com). Requests must carry WeChat Pay's merchant "
                       "signature; answers and errors are WeChat Pay's own (`{\"code\", \"message\"}`).")
HTML_NOTES = ("A server-rendered HTML page in one of six languages (`?lang=` zh, en, fr, hi, bn, sw, or "
              "Accept-Language; `<html lang>` says which).")

ENDPOINTS: dict[str, Op] = {
    # -- ops -----------------------------------------------------------------------------------------------
    "health.healthz": Op(shapes.HealthSchema, errors=("service_unavailable",)),
    "openapi.document_json": Op({"type": "object", "description": "This OpenAPI 3.1 document."}),
    "openapi.docs": Op(media=(HTML,), notes="Swagger UI over this document, served from the service (no CDN)."),
    # -- the guest journey ----------------------------------------------------------------------------------
    "auth.login": Op(shapes.LoginResponseSchema, body=LoginSchema, errors=("invalid_login_code", "wechat_unavailable")),
    "auth.logout": Op(status=204, auth=GUEST, notes="Every token of the guest stops working (contract v1.1)."),
    "deeplinks.resolve": Op(ResolveSchema, auth=GUEST_OPTIONAL, query=ResolveQuerySchema,
                            errors=("invalid_deeplink", "scenario_not_found", "scenario_closed"),
                            notes="Exactly one of `scene` or `q`."),
    "scenarios.list": Op(page_of(ScenarioSchema), query=ScenarioQuerySchema),
    "scenarios.get": Op(ScenarioSchema, errors=("scenario_not_found",)),
    "places.search": Op(data_of(PlaceSchema), query=PlaceQuerySchema),
    "footprints.create": Op(FootprintSchema, status=201, auth=GUEST_OPTIONAL, body=FootprintCreateSchema,
                            errors=("scenario_not_found", "scenario_closed")),
    "footprints.get": Op(FootprintSchema, errors=("footprint_not_found",)),
    "factor_sets.get": Op(FactorSetSchema, errors=("factor_set_not_found",)),
    "me.get": Op(ProfileSchema, auth=GUEST),
    "me.update": Op(OwnUserSchema, auth=GUEST, body=ProfileUpdateSchema),
    "me.export": Op(ExportSchema, auth=GUEST, notes="Everything held about the guest (contract v1.1, PIPL)."),
    "me.delete": Op(status=204, auth=GUEST, notes="Personal data erased, tokens revoked; certificates, claims "
                    "and ledger entries stay, pseudonymous (contract v1.1)."),
    "me.footprints": Op(page_of(FootprintSummarySchema), auth=GUEST, query=PageQuerySchema),
    "me.certificates": Op(page_of(CertificateSummarySchema), auth=GUEST, query=PageQuerySchema),
    "links.landing": Op(media=(HTML,), error_body=HTML_PAGE, notes=HTML_NOTES + " The web fallback of a printed "
                        "link `/s/<code>?d=<door>` (WeChat opens the mini-program instead); 404 page when unknown."),
    "links.qr": Op(media=(PNG,), errors=("scenario_not_found", "not_found"),
                   notes="The QR code of the printed link `/s/<code>?d=<door>` (`d` optional), as the poster prints "
                         "it; cached an hour. 404 for an unknown or draft code or a door tag that is not one."),
    "preview.index": Op(media=(HTML,),
                        notes="The guest preview: a plain client of this API (`?lang=` zh, en, fr, hi, bn or sw)."),
    # -- offsetting, money and public proof ----------------------------------------------------------------
    "projects.list": Op(data_of(ProjectSchema), query=ProjectQuerySchema, errors=("scenario_not_found",)),
    "orders.create": Op(shapes.OrderCreatedSchema, status=201, auth=GUEST, body=OrderCreateSchema,
                        headers=(IDEMPOTENCY_KEY,),
                        errors=("footprint_not_found", "project_not_found", "insufficient_credits",
                                "too_many_open_orders", "hold_limit_reached", "idempotency_key_reused",
                                "wechat_unavailable"),
                        response_headers={"Idempotent-Replayed": {"schema": {"type": "string",
                                                                             "enum": ["true", "false"]}}}),
    "orders.get": Op(OrderSchema, auth=GUEST, errors=("order_not_found",)),
    "orders.cancel": Op(OrderSchema, auth=GUEST, errors=("order_not_found", "order_not_cancellable",
                                                         "wechat_unavailable")),
    "orders.mine": Op(page_of(OrderSchema), auth=GUEST, query=OrderListQuerySchema),
    "payments.wechat_notify": Op(status=204, body=shapes.WeChatNotificationSchema, headers=WECHATPAY_HEADERS,
                                 error_body=WECHAT_NOTIFY,
                                 errors=("invalid_notification", "malformed_notification", "order_not_found",
                                         "payment_rejected", "refund_failed"),
                                 notes="Called by WeChat Pay. Verified on the raw body (signature, 5-minute window, "
                                       "AES-GCM); repeated deliveries of one payment fulfil it once. Failures "
                                       "answer WeChat's shape `{\"code\": \"FAIL\", \"message\": <our code>}`, "
                                       "not the error envelope: WeChat reads the status and retries."),
    "certificates.get": Op(CertificateSchema, errors=("certificate_not_found",)),
    "certificates.image": Op(media=(PNG,), query=shapes.CertificateImageQuerySchema, headers=(IF_NONE_MATCH,),
                             also=(304,), errors=("certificate_not_found",),
                             response_headers={"ETag": {"schema": {"type": "string"}}},
                             notes="Its QR code decodes to `verify_url`. Cached 5 minutes; revalidate with the ETag."),
    "leaderboards.get": Op(shapes.LeaderboardSchema, auth=GUEST_OPTIONAL, query=LeaderboardQuerySchema,
                           errors=("scenario_not_found",)),
    "pages.verify": Op(media=(HTML,), error_body=HTML_PAGE, notes=HTML_NOTES),
    "pages.registry_page": Op(media=(HTML,), query=RegistryQuerySchema, notes=HTML_NOTES),
    "registry.get": Op(shapes.RegistryResponseSchema, query=RegistryQuerySchema, errors=("project_not_found",)),
    "registry.export_csv": Op(media=(CSV,), notes="Every claim on every retired unit, one row each (streamed)."),
    # -- the staff console -----------------------------------------------------------------------------------
    "staff.sign_in": Op(shapes.StaffTokenSchema, body=SignInSchema, errors=("invalid_credentials", "rate_limited")),
    "staff.open_session": Op(shapes.ConsoleSessionSchema, body=SignInSchema,
                             errors=("invalid_credentials", "rate_limited"),
                             response_headers={"Set-Cookie": {"schema": {"type": "string"}, "description":
                                               "`dd_console=...; HttpOnly; SameSite=Lax` (Secure behind https)."}}),
    "staff.read_session": Op(shapes.ConsoleSessionReadSchema, auth=STAFF),
    "staff.close_session": Op(status=204, auth=STAFF, notes="Ends the console's session on the server (a copy "
                              "of the cookie stops working); with the cookie it needs X-CSRF-Token."),
    "staff.me": Op(StaffSchema, auth=STAFF),
    "staff.create_account": Op(StaffAccountSchema, status=201, auth=STAFF_ROLE, body=StaffCreateSchema,
                               errors=("staff_exists",)),
    "staff.list_accounts": Op(page_of(StaffAccountSchema, total=True), auth=STAFF_ROLE, query=StaffListQuerySchema),
    "staff.update_account": Op(StaffAccountSchema, auth=STAFF_ROLE, body=StaffUpdateSchema,
                               errors=("staff_not_found", "cannot_disable_self")),
    "console_scenarios.list": Op(data_of(ManagedScenarioSchema), auth=STAFF_ROLE),
    "console_scenarios.create": Op(ManagedScenarioSchema, status=201, auth=STAFF_ROLE, body=ScenarioCreateSchema,
                                   errors=("scenario_exists",)),
    "console_scenarios.update": Op(ManagedScenarioSchema, auth=STAFF_ROLE, body=ScenarioUpdateSchema,
                                   errors=("scenario_not_found",)),
    "doors.list": Op(data_of(DoorSchema), auth=STAFF_ROLE, errors=("scenario_not_found",)),
    "doors.add": Op(DoorSchema, status=201, auth=STAFF_ROLE, body=DoorCreateSchema,
                    errors=("scenario_not_found", "door_exists")),
    "doors.remove": Op(status=204, auth=STAFF_ROLE, errors=("scenario_not_found", "door_not_found")),
    "assignments.list": Op(data_of(AssignmentSchema), auth=STAFF_ROLE, errors=("scenario_not_found",)),
    "assignments.assign": Op(AssignmentSchema, status=201, also=(200,), auth=STAFF_ROLE, body=AssignmentCreateSchema,
                             errors=("scenario_not_found",)),
    "assignments.unassign": Op(status=204, auth=STAFF_ROLE, errors=("scenario_not_found", "assignment_not_found")),
    "posters.get": Op(media=(PNG, PDF), auth=STAFF_ROLE, query=PosterQuerySchema,
                      path={"filetype": {"type": "string", "enum": ["png", "pdf"]}},
                      errors=("scenario_not_found", "validation_error", "wechat_unavailable"),
                      notes="A door's printable poster at 300 dpi (attachment `<code>-<door>-<paper>.<png|pdf>`)."),
    "dashboard.get": Op(DashboardSchema, auth=STAFF_ROLE, query=DashboardQuerySchema, errors=("scenario_not_found",)),
    "dashboard.orders_csv": Op(media=(CSV,), auth=STAFF_ROLE, errors=("scenario_not_found",)),
    "dashboard.certificates_csv": Op(media=(CSV,), auth=STAFF_ROLE, errors=("scenario_not_found",)),
    "events.show": Op(EventStateSchema, auth=STAFF_ROLE, errors=("scenario_not_found",)),
    "events.create_footprint": Op(EventFootprintSchema, status=201, auth=STAFF_ROLE, body=EventFootprintCreateSchema,
                                  errors=("scenario_not_found",)),
    "events.create_topup": Op(TopupSchema, status=201, auth=STAFF_ROLE, body=TopupCreateSchema,
                              errors=("scenario_not_found", "event_footprint_not_found", "project_not_found",
                                      "insufficient_credits", "event_already_neutralised", "wechat_unavailable")),
    "events.show_topup": Op(TopupSchema, auth=STAFF_ROLE, errors=("scenario_not_found", "topup_not_found")),
    "events.topup_qr": Op(media=(PNG,), auth=STAFF_ROLE, errors=("scenario_not_found", "topup_not_found")),
    "payouts.list_projects": Op(data_of(ProjectSalesSchema), auth=STAFF_ROLE),
    "payouts.project_sales": Op(page_of(SaleSchema, total=True), auth=STAFF_ROLE, query=SalesQuerySchema,
                                errors=("project_not_found",)),
    "payouts.list_payouts": Op(shapes.PayoutsResponseSchema, auth=STAFF_ROLE, query=OrganizationQuerySchema,
                               errors=("organization_not_found",)),
    "payouts.record_payout": Op(shapes.PayoutRecordedSchema, status=201, auth=STAFF_ROLE, body=PayoutCreateSchema,
                                errors=("organization_not_found", "payout_exceeds_balance", "payout_exists",
                                        "correction_exceeds_payouts")),
    "payouts.statement_json": Op(StatementSchema, auth=STAFF_ROLE, query=StatementQuerySchema,
                                 errors=("organization_not_found",)),
    "payouts.statement_csv": Op(media=(CSV,), auth=STAFF_ROLE, query=StatementQuerySchema,
                                errors=("organization_not_found",),
                                notes="UTF-8 with a BOM, so Excel shows the Chinese."),
    "console.index": Op(media=(HTML,), notes="The staff console: a plain client of the staff API."),
    # -- sandbox (WECHAT_MODE=sandbox only; 404 otherwise) ---------------------------------------------------
    "sandbox.confirm": Op(shapes.ConfirmResponseSchema, body=ConfirmSchema, errors=("prepay_not_found",
                                                                                    "payment_closed")),
    "sandbox_wechatpay_api.jsapi": Op(shapes.WeChatPayPrepaySchema, auth=WECHATPAY_MERCHANT, error_body=WECHATPAY_API,
                                      body={"type": "object"}, notes=WECHATPAY_API_NOTES),
    "sandbox_wechatpay_api.native": Op(shapes.WeChatPayCodeUrlSchema, auth=WECHATPAY_MERCHANT,
                                       error_body=WECHATPAY_API, body={"type": "object"}, notes=WECHATPAY_API_NOTES),
    "sandbox_wechatpay_api.query_by_out_trade_no": Op(shapes.WeChatPayTransactionSchema, auth=WECHATPAY_MERCHANT,
                                                      query=shapes.MchidQuerySchema, error_body=WECHATPAY_API,
                                                      summary="Query a transaction by out_trade_no.",
                                                      notes=WECHATPAY_API_NOTES),
    "sandbox_wechatpay_api.query_by_transaction_id": Op(shapes.WeChatPayTransactionSchema, auth=WECHATPAY_MERCHANT,
                                                        query=shapes.MchidQuerySchema, error_body=WECHATPAY_API,
                                                        summary="Query a transaction by WeChat's transaction_id.",
                                                        notes=WECHATPAY_API_NOTES),
    "sandbox_wechatpay_api.close": Op(status=204, auth=WECHATPAY_MERCHANT, error_body=WECHATPAY_API,
                                      summary="Close an unpaid order.", notes=WECHATPAY_API_NOTES),
    "sandbox_wechatpay_api.refund": Op(shapes.WeChatPayRefundSchema, auth=WECHATPAY_MERCHANT, error_body=WECHATPAY_API,
                                       body={"type": "object"}, summary="Refund a paid order (all or part).",
                                       notes=WECHATPAY_API_NOTES),
    "sandbox_wechatpay_api.query_refund": Op(shapes.WeChatPayRefundSchema, auth=WECHATPAY_MERCHANT,
                                             error_body=WECHATPAY_API, summary="Query a refund by out_refund_no.",
                                             notes=WECHATPAY_API_NOTES),
}

# Routes left out of the document on purpose.
UNDOCUMENTED = {"static": "Flask's static files (the pages' scripts and styles)."}
