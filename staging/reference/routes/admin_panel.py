"""The admin web panel (API.md 7.3): static HTML and scripts at /admin, and at / for browsers.

The files live in ``staging/reference/admin_panel/``; they are read per request (they are small), so an
edit shows on the next reload without restarting the backend.
"""

from __future__ import annotations

from pathlib import Path

from starlette.responses import Response
from starlette.routing import Route

from staging.reference.errors import GlobalError
from staging.reference.routing import Call, route

PANEL_DIR = Path(__file__).resolve().parent.parent / "admin_panel"
INDEX = "index.html"
# Only these files are served: the folder also holds the README's screenshot, which is no asset.
ASSETS = {"app.js": "text/javascript; charset=utf-8", "styles.css": "text/css; charset=utf-8"}
# The panel's own policy (the API's JSON gets a deny-all one elsewhere): its files, Chart.js and the web
# font from their CDNs, and API calls to this server or the hosted backend it falls back to (API.md 7.3).
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' https://cdn.jsdelivr.net",
        "style-src 'self' https://fonts.googleapis.com",
        "font-src 'self' https://fonts.gstatic.com",
        "img-src 'self' data:",
        "connect-src 'self' https://almaryarostary.onrender.com",
        "frame-ancestors 'self'",
        "base-uri 'self'",
        "form-action 'self'",
    )
)
_HEADERS = {"Cache-Control": "no-cache", "Content-Security-Policy": CONTENT_SECURITY_POLICY}


def panel_page() -> Response:
    """The panel's single page, also what ``GET /`` answers to ``Accept: text/html``."""
    return Response((PANEL_DIR / INDEX).read_bytes(), media_type="text/html; charset=utf-8", headers=_HEADERS)


def index(_: Call) -> Response:
    return panel_page()


def asset(call: Call) -> Response:
    name = call.path("name")
    if name not in ASSETS:
        raise GlobalError(404, f"Route GET {call.request.url.path} not found")
    return Response((PANEL_DIR / name).read_bytes(), media_type=ASSETS[name], headers=_HEADERS)


routes: list[Route] = [
    route("/admin", index),
    route("/admin/{name}", asset),
]
