"""A Firebase Auth emulator stub: account look-ups, and unsigned ID tokens as the emulator accepts them.

API.md 9.4: Firebase Admin in emulator mode takes ``alg:none`` tokens and asks the emulator's
``accounts:lookup``; anything else the backend sends (the registration sync) gets an empty 200.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from staging.fakes.threaded_server import ThreadedHttpServer, close_logger, file_logger

PROJECT_ID = "demo-e2e"


@dataclass(frozen=True)
class FirebaseAccount:
    uid: str
    email: str
    disabled: bool = False


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint_id_token(
    uid: str, email: str, *, project_id: str = PROJECT_ID, lifetime: int = 3600, issued_at: int | None = None
) -> str:
    """An unsigned Firebase ID token carrying the claims of API.md 9.4."""
    now = int(time.time()) if issued_at is None else issued_at
    header = {"alg": "none", "typ": "JWT"}
    claims = {
        "iss": f"https://securetoken.google.com/{project_id}",
        "aud": project_id,
        "sub": uid,
        "user_id": uid,
        "email": email,
        "email_verified": True,
        "iat": now,
        "auth_time": now,
        "exp": now + lifetime,
        "firebase": {"identities": {"email": [email]}, "sign_in_provider": "password"},
    }
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}."


def service_account_key(project_id: str = PROJECT_ID) -> str:
    """The ``FIREBASE_SERVICE_ACCOUNT_KEY`` JSON with a fresh RSA key, as Firebase Admin insists on one."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return json.dumps(
        {
            "type": "service_account",
            "project_id": project_id,
            "client_email": f"x@{project_id}.iam.gserviceaccount.com",
            "private_key": pem,
        }
    )


class FirebaseAuthStub(AbstractContextManager["FirebaseAuthStub"]):
    """The emulator stub; ``host`` is what goes into ``FIREBASE_AUTH_EMULATOR_HOST``."""

    def __init__(self, log_path: Path, *, project_id: str = PROJECT_ID) -> None:
        self.project_id = project_id
        self._lock = threading.Lock()
        self._accounts: dict[str, FirebaseAccount] = {}
        self._log = file_logger("firebase", log_path)
        prefix = f"/identitytoolkit.googleapis.com/v1/projects/{project_id}"
        app = Starlette(
            routes=[
                Route("/__fake/health", lambda _: JSONResponse({"ok": True})),
                Route(f"{prefix}/accounts:lookup", self._lookup, methods=["POST"]),
                Route("/{path:path}", self._anything_else, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
            ]
        )
        self._server = ThreadedHttpServer("Firebase Auth", app)

    @property
    def host(self) -> str:
        return f"{self._server.host}:{self._server.port}"

    def add_account(self, uid: str, email: str, *, disabled: bool = False) -> FirebaseAccount:
        account = FirebaseAccount(uid, email.lower(), disabled)
        with self._lock:
            self._accounts[uid] = account
        return account

    def id_token_for(self, uid: str, email: str, **claims: Any) -> str:
        """Register the account with the stub and mint its ID token."""
        self.add_account(uid, email)
        return mint_id_token(uid, email, project_id=self.project_id, **claims)

    def _find(self, body: dict[str, Any]) -> list[FirebaseAccount]:
        uids = set(body.get("localId") or [])
        emails = {str(e).lower() for e in body.get("email") or []}
        with self._lock:
            return [a for a in self._accounts.values() if a.uid in uids or a.email in emails]

    async def _lookup(self, request: Request) -> JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            body = {}
        found = self._find(body if isinstance(body, dict) else {})
        self._log.info("accounts:lookup %s -> %d account(s)", body, len(found))
        users = [
            {"localId": a.uid, "email": a.email, "disabled": a.disabled, "emailVerified": True} for a in found
        ]
        return JSONResponse(
            {"kind": "identitytoolkit#GetAccountInfoResponse", "users": users}
            if users
            else {"kind": "identitytoolkit#GetAccountInfoResponse"}
        )

    async def _anything_else(self, request: Request) -> JSONResponse:
        self._log.info("%s %s (answered with an empty 200)", request.method, request.url.path)
        return JSONResponse({})

    def __enter__(self) -> FirebaseAuthStub:
        try:
            self._server.__enter__()
        except BaseException:
            close_logger(self._log)
            raise
        return self

    def stop(self) -> None:
        self._server.stop()
        close_logger(self._log)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
