"""Switchable injected defects: the suite's own tests prove they catch each one.

A defect is named in ``ALMARYA_DEFECTS`` (comma-separated). Every name must be in ``CATALOG``, so a typo
fails start-up instead of silently running a healthy backend. Code asks ``settings.defect_on("name")``.
"""

from __future__ import annotations

from dataclasses import dataclass

# name -> what goes wrong when it is switched on.
CATALOG: dict[str, str] = {
    # Load tests (load/): the SLO gate must fail naming this endpoint.
    "slow_order_list": "adds ~700 ms to GET /api/orders",
    # Cancellation, refunds and payment events (CANCELLATION.md 1-7); e2e/test_cancel*, refunds, webhooks...
    "cancel_window_hardcoded": "the self-cancel window is 15 minutes whatever the policy file says",
    "cancel_window_ignored": "customers self-cancel after the self-cancel window has expired",
    "cancel_approval_status_allowed": "customers self-cancel approval-status orders without a request",
    "cancel_never_cancellable_allowed": "never-cancellable orders (out for delivery, delivered...) cancel",
    "cancel_ownership_unchecked": "any customer can cancel any customer's order",
    "cancel_record_incomplete": "a cancellation leaves cancelledAt, cancelledBy and its timestamp unset",
    "cancel_status_unchanged": "a cancellation is recorded but the order keeps its status (and its queues)",
    "cancel_repeat_refunds": "a repeated cancel of a cancelled order is accepted and refunds again",
    "cancel_without_refund": "cancelling a paid order refunds nothing",
    "cancel_mail_missing": "the customer gets no email when their order is cancelled",
    "admin_cancel_window_applied": "admins are held to the customer's window when cancelling",
    "cancel_malformed_id_crash": "a malformed order id on cancel answers 500",
    "cancel_route_missing": "POST /api/orders/:id/cancel answers the unknown-route 404 (not deployed)",
    "cancel_request_any_status": "cancellation requests are accepted in every status",
    "cancel_request_duplicates": "a second open cancellation request for the same order is accepted",
    "cancel_request_moves_order": "a cancellation request puts the order on hold",
    "cancel_request_ownership_unchecked": "any customer can request cancellation of any order",
    "approve_percent_at_request_time": "approval refunds the percentage of the status at request time",
    "decide_twice_allowed": "a request already decided can be decided again",
    "approve_after_moved_on": "approving cancels an order that has left the approval statuses",
    "deny_mail_missing": "the customer gets no email when their cancellation request is denied",
    "cancellation_requests_unfiltered": "GET /api/orders/cancellation-requests ignores ?status=",
    "cancellation_requests_oldest_first": "GET /api/orders/cancellation-requests lists oldest first",
    "deny_cancels_order": "denying a cancellation request cancels the order anyway",
    "store_credit_via_stripe": "a store-credit refund of a card order is also paid back through Stripe",
    "refund_over_amount": "a partial refund larger than what remains refundable is accepted",
    "refund_not_atomic": "refund bookkeeping is read-check-write: concurrent refunds exceed the amount paid",
    "refund_failure_marks_refunded": "a failed Stripe refund still books the order as refunded",
    "refund_skips_stripe": "card refunds are booked without creating a Stripe refund",
    "refund_amount_in_aed": "Stripe refunds are sent in AED instead of fils",
    "refund_partial_marks_refunded": "a partial refund sets paymentStatus refunded",
    "refund_unpaid_allowed": "unpaid orders can be refunded",
    "refund_customer_allowed": "customers may call the admin refund endpoint for their own orders",
    "refund_status_ownership_unchecked": "any customer can read any order's refund status",
    "refunds_list_unfiltered": "GET /api/refunds ignores ?status=",
    "webhook_signature_unchecked": "webhook events are processed whatever their signature",
    "webhook_timestamp_unchecked": "webhook signatures are accepted however old their timestamp",
    "webhook_replay_processed": "a webhook event delivered twice is processed twice",
    "webhook_unknown_type_rejected": "unknown webhook event types answer 400",
    "webhook_payment_no_confirm": "payment_intent.succeeded leaves a pending order pending",
    "webhook_payment_failed_ignored": "payment_intent.payment_failed changes nothing",
    "webhook_charge_refunded_ignored": "charge.refunded changes nothing",
    "revenue_gross": "dashboard revenue ignores refunds",
    "revenue_counts_unpaid_cancelled": "cancelled orders that were never paid count their total as revenue",
    "cancelled_not_counted": "order counts by status leave out cancelled orders",
    "intent_amount_from_request": "create-intent charges an amount sent by the client",
}


# The CANCELLATION.md section whose rule each cancellation defect breaks (shown in the detection-power table).
CANCELLATION_SECTION: dict[str, str] = {
    "cancel_window_hardcoded": "1", "cancel_record_incomplete": "2", "cancel_window_ignored": "3",
    "cancel_approval_status_allowed": "3", "cancel_never_cancellable_allowed": "3",
    "cancel_ownership_unchecked": "3", "cancel_status_unchanged": "3", "cancel_repeat_refunds": "3",
    "cancel_without_refund": "3", "cancel_mail_missing": "3", "admin_cancel_window_applied": "3",
    "cancel_malformed_id_crash": "3", "cancel_route_missing": "3 (feature not deployed)",
    "cancel_request_any_status": "4", "cancel_request_duplicates": "4", "cancel_request_moves_order": "4",
    "cancel_request_ownership_unchecked": "4", "approve_percent_at_request_time": "4",
    "decide_twice_allowed": "4", "approve_after_moved_on": "4", "deny_mail_missing": "4",
    "deny_cancels_order": "4", "cancellation_requests_unfiltered": "4",
    "cancellation_requests_oldest_first": "4", "refund_over_amount": "5", "refund_not_atomic": "5",
    "refund_failure_marks_refunded": "5", "refund_skips_stripe": "5", "refund_amount_in_aed": "5",
    "refund_partial_marks_refunded": "5", "refund_unpaid_allowed": "5", "refund_customer_allowed": "5",
    "refund_status_ownership_unchecked": "5", "refunds_list_unfiltered": "5", "store_credit_via_stripe": "5",
    "webhook_signature_unchecked": "6", "webhook_timestamp_unchecked": "6", "webhook_replay_processed": "6",
    "webhook_unknown_type_rejected": "6", "webhook_payment_no_confirm": "6",
    "webhook_payment_failed_ignored": "6", "webhook_charge_refunded_ignored": "6", "revenue_gross": "7",
    "revenue_counts_unpaid_cancelled": "7", "cancelled_not_counted": "7", "intent_amount_from_request": "7",
}  # fmt: skip


@dataclass(frozen=True)
class DefectInfo:
    """What a defect is, for the detection-power table: its class of bug and where it lives."""

    kind: str
    endpoint: str
    description: str


# Security, robustness and concurrency defects (issue 5): each a realistic bug of its own class on a named
# endpoint. The suite catches each through tests that assert the contract, not through tests that know it.
CLASSIFIED: dict[str, DefectInfo] = {
    "order_read_skips_ownership": DefectInfo(
        "missing ownership check", "GET /api/orders/:id", "any customer reads any order"
    ),
    "order_list_ignores_owner": DefectInfo(
        "data leak through a list filter", "GET /api/orders", "a customer lists every customer's orders"
    ),
    "admin_order_read_customer_allowed": DefectInfo(
        "missing role check", "GET /api/admin/orders/:id", "the route checks the token but not the admin role"
    ),
    "debug_routes_unguarded": DefectInfo(
        "missing authentication", "GET /api/debug/user-counts", "debug figures answer anyone"
    ),
    "refresh_token_accepted_as_access": DefectInfo(
        "token kind confusion", "user guard", "a refresh token is accepted as an access token"
    ),
    "alg_none_accepted": DefectInfo(
        "unsigned token accepted", "every guarded route", "an alg:none token passes the guards"
    ),
    "expired_token_accepted": DefectInfo(
        "token expiry not checked", "every guarded route", "an expired token passes the guards"
    ),
    "client_total_trusted": DefectInfo(
        "trusting a client total", "POST /api/orders", "the client's totalAmount is stored and charged"
    ),
    "client_payment_status_trusted": DefectInfo(
        "trusting client payment status", "POST /api/orders", "paymentStatus from the body is stored"
    ),
    "staff_accept_not_atomic": DefectInfo(
        "non-atomic accept (check, then write)",
        "POST /api/staff/orders/:id/accept",
        "concurrent accepts can all win",
    ),
    "driver_accept_not_atomic": DefectInfo(
        "lost update on assignment",
        "POST /api/driver/orders/:id/accept",
        "the driver is written unconditionally after a stale check",
    ),
    "staff_transition_unchecked": DefectInfo(
        "skipped transition check",
        "PUT /api/staff/orders/:id/status",
        "the assignee may set any staff status from any state",
    ),
    "terminal_order_reopened": DefectInfo(
        "terminal state not enforced", "PUT /api/admin/orders/:id/status", "a finished order is moved again"
    ),
    "staff_ready_skips_assignee": DefectInfo(
        "missing assignee check", "POST /api/staff/orders/:id/ready", "any staff member readies any order"
    ),
    "malformed_id_500": DefectInfo(
        "500 on bad input", "GET /api/orders/:id", "a malformed id raises instead of answering 400"
    ),
    "search_regex_unescaped": DefectInfo(
        "regex injection", "GET /api/orders?search=", "the search term is used as a raw regular expression"
    ),
    "order_number_before_validation": DefectInfo(
        "write before validation", "POST /api/orders", "an order number is taken before the body is checked"
    ),
    "order_list_cached_across_users": DefectInfo(
        "cross-user cache", "GET /api/orders", "the list is cached by URL alone and served to other users"
    ),
    "dashboard_cached_before_guard": DefectInfo(
        "cache before the guard",
        "GET /api/analytics/admin/dashboard",
        "a cached dashboard is served before the admin check",
    ),
    "order_notes_dropped": DefectInfo(
        "field silently dropped", "POST /api/orders", "specialInstructions is accepted but not stored"
    ),
    "order_create_answers_200": DefectInfo(
        "wrong status code", "POST /api/orders", "a created order answers 200 instead of 201"
    ),
    "error_stack_exposed": DefectInfo(
        "stack trace in an error body", "global error handler", "error bodies carry stack, path and method"
    ),
    "rate_limit_trusts_forwarded_for": DefectInfo(
        "spoofable client address", "rate limiter", "X-Forwarded-For picks the rate-limit bucket"
    ),
    "pin_guessing_unlimited": DefectInfo(
        "brute force not stopped",
        "POST /api/staff/auth/login-pin, POST /api/driver/auth/pin-login",
        "wrong PINs are never limited",
    ),
    "cors_any_origin": DefectInfo(
        "CORS misconfiguration", "every route", "any Origin is allowed and reflected"
    ),
    "security_headers_missing": DefectInfo(
        "missing hardening headers", "every response", "no nosniff, frame, referrer, HSTS or CSP headers"
    ),
    "register_mass_assignment": DefectInfo(
        "mass assignment", "POST /api/auth/register", "roles and isActive are taken from the body"
    ),
    "driver_pin_hash_exposed": DefectInfo(
        "secret in a response", "GET /api/admin/drivers", "drivers are listed with their PIN hashes"
    ),
    "logout_keeps_token_valid": DefectInfo(
        "session not revoked", "POST /api/auth/logout", "the access token still works after logout"
    ),
    "refresh_token_reusable": DefectInfo(
        "token replay", "POST /api/auth/refresh", "a refresh token works more than once"
    ),
}
CATALOG.update({name: info.description for name, info in CLASSIFIED.items()})

# Defects whose symptom is speed, not behaviour: the load tests' SLO gate catches them and the functional
# suite is not meant to, so the detection-power self-test leaves them out.
LATENCY_DEFECTS = frozenset({"slow_order_list"})


def detection_defects() -> list[str]:
    """Every defect the functional suite must catch: the catalog without the latency defects."""
    return sorted(name for name in CATALOG if name not in LATENCY_DEFECTS)


class UnknownDefectError(ValueError):
    """A defect name that the catalog does not know."""


def parse_defects(raw: str | None) -> frozenset[str]:
    """Parse ``ALMARYA_DEFECTS``; unknown names raise so start-up fails loudly."""
    names = frozenset(part.strip() for part in (raw or "").split(",") if part.strip())
    unknown = sorted(names - CATALOG.keys())
    if unknown:
        known = ", ".join(sorted(CATALOG)) or "none"
        raise UnknownDefectError(f"unknown defect(s) {', '.join(unknown)} (known: {known})")
    return names


def check_known(name: str) -> None:
    """Guard against a typo in the code that asks about a defect."""
    if name not in CATALOG:
        raise UnknownDefectError(f"defect {name!r} is not in the catalog")
