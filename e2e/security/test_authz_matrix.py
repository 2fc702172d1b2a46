"""The authorization matrix (API.md 2.1, 4.4, 5.6; CANCELLATION.md 3-5): every endpoint called as every
kind of caller, each cell checked against the table in `authorization_table`, refusals writing nothing."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus

import allure
import pytest

from e2e.security.authorization_table import ENDPOINTS, NATURAL_CALLER, Caller, Endpoint, Outcome
from fixtures.api import AnonymousApi, ApiResult
from fixtures.forged_tokens import Forgery, forge
from fixtures.response_checks import is_route_missing, problems
from fixtures.security import Cast, CastFor, DonorTokens
from fixtures.transport import ClientConfig
from staging import dbtools
from staging.stack import Stack

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.destructive,
    allure.epic("Security"),
    allure.feature("Authorization matrix"),
]

ANY_STATUS = tuple(HTTPStatus)
FORGERIES = {
    Caller.EXPIRED: Forgery.EXPIRED,
    Caller.BAD_SIGNATURE: Forgery.BAD_SIGNATURE,
    Caller.ALG_NONE: Forgery.ALG_NONE,
}


@dataclass(frozen=True)
class Cell:
    caller: Caller
    expected: Outcome
    token: str | None  # None: no Authorization header


@dataclass(frozen=True)
class Verdict:
    cell: Cell
    status: int
    wrong: list[str]


def _real_token(caller: Caller, cast: Cast, stack: Stack) -> str | None:
    sessions = {
        Caller.OWNER: cast.owner.session.token,
        Caller.OTHER_CUSTOMER: cast.other.session.token,
        Caller.STAFF: cast.staff.session.token,
        Caller.DRIVER: cast.driver.session.token,
        Caller.ADMIN: cast.admin.session.token,
    }
    if caller in sessions:
        return sessions[caller]
    if caller is Caller.FIREBASE and stack.firebase is not None:
        return stack.firebase.id_token_for(f"uid-{cast.owner.user.id}", cast.owner.user.email)
    return None


def cells(
    endpoint: Endpoint, cast: Cast, stack: Stack, donor: DonorTokens, jwt_secret: str | None
) -> list[Cell]:
    """The row's cells that can be played here (an expired copy needs the secret, a reset token the mail)."""
    found: list[Cell] = []
    for caller, expected in endpoint.expected().items():
        if caller is Caller.ANONYMOUS:
            found.append(Cell(caller, expected, None))
            continue
        if caller in FORGERIES:
            natural = _real_token(NATURAL_CALLER[endpoint.guard], cast, stack)
            token = forge(FORGERIES[caller], natural, jwt_secret) if natural else None
        elif caller is Caller.REFRESH:
            token = donor.refresh
        elif caller is Caller.RESET:
            token = donor.reset
        else:
            token = _real_token(caller, cast, stack)
        if token is not None:
            found.append(Cell(caller, expected, token))
    return found


def _call(api: AnonymousApi, endpoint: Endpoint, path: str, cell: Cell, secrets: tuple[str, ...]) -> Verdict:
    headers = {"Authorization": f"Bearer {cell.token}"} if cell.token else None
    body = endpoint.body if endpoint.method in ("POST", "PUT", "PATCH") else None
    result: ApiResult = api.request(endpoint.method, path, json=body, headers=headers, expect=ANY_STATUS)
    wrong = problems(result, secrets)
    if not cell.expected.accepts(result.status):
        wrong.append(f"expected {cell.expected.value}, got {result.status} {result.message or ''}".strip())
    if is_route_missing(result):
        wrong.append("Feature not deployed: the route answers the unknown-route 404")
    return Verdict(cell, result.status, wrong)


_ROLE_OF = {
    Caller.OWNER: "owner",
    Caller.OTHER_CUSTOMER: "other",
    Caller.STAFF: "staff",
    Caller.DRIVER: "driver",
    Caller.ADMIN: "admin",
}


def _changers(endpoint: Endpoint) -> set[str]:
    """The roles whose allowed call may change something: they get fresh actors for this row."""
    if endpoint.method == "GET":
        return set()
    return {
        _ROLE_OF[caller]
        for caller, outcome in endpoint.expected().items()
        if caller in _ROLE_OF and not outcome.refused
    }


@contextlib.contextmanager
def _nothing_written(stack: Stack) -> Iterator[None]:
    if stack.db is None:  # a remote target without its MongoDB: the statuses are still checked
        yield
        return
    with dbtools.nothing_written(stack.db):
        yield


def _table(endpoint: Endpoint, verdicts: list[Verdict]) -> str:
    rows = [f"{endpoint.id}  (guard: {endpoint.guard.value}; {endpoint.source})"]
    for verdict in verdicts:
        mark = "ok " if not verdict.wrong else "BAD"
        detail = "; ".join(verdict.wrong)
        rows.append(
            f"  {mark} {verdict.cell.caller.value:<22} expected {verdict.cell.expected.value:<12} "
            f"got {verdict.status} {detail}"
        )
    return "\n".join(rows)


@allure.story("Every endpoint, every caller")
@pytest.mark.parametrize(
    "endpoint",
    [pytest.param(e, id=e.id, marks=[pytest.mark.skip(reason=e.skip)] if e.skip else []) for e in ENDPOINTS],
)
def test_each_caller_gets_what_the_guard_allows(
    endpoint: Endpoint,
    cast_for: CastFor,
    stack: Stack,
    client_config: ClientConfig,
    donor_tokens: DonorTokens,
    jwt_secret: str | None,
    server_secrets: tuple[str, ...],
):
    """Refused callers get exactly the contract's 401/403/404 and nothing is written; allowed callers pass
    the guard; nobody gets a 5xx, a stack trace or a secret."""
    cast = cast_for(_changers(endpoint), fresh_order=endpoint.method != "GET" and "{order}" in endpoint.path)
    path = endpoint.path.format(**cast.path_values())
    planned = cells(endpoint, cast, stack, donor_tokens, jwt_secret)
    refused = [cell for cell in planned if cell.expected.refused]
    allowed = [cell for cell in planned if not cell.expected.refused]
    verdicts: list[Verdict] = []
    with AnonymousApi(client_config) as api:
        with allure.step(f"{len(refused)} refused callers: nothing is written"), _nothing_written(stack):
            verdicts += [_call(api, endpoint, path, cell, server_secrets) for cell in refused]
        with allure.step(f"{len(allowed)} allowed callers pass the guard"):
            verdicts += [_call(api, endpoint, path, cell, server_secrets) for cell in allowed]
    report = _table(endpoint, verdicts)
    allure.attach(report, name="matrix row", attachment_type=allure.attachment_type.TEXT)
    allure.attach(
        json.dumps({v.cell.caller.value: v.status for v in verdicts}, indent=2),
        name="statuses",
        attachment_type=allure.attachment_type.JSON,
    )
    assert not [v for v in verdicts if v.wrong], report
