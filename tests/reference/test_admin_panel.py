"""The admin panel's files as the reference backend serves them (API.md 7.3); the browser tests drive them."""

from __future__ import annotations

from http import HTTPStatus

import pytest

from staging.reference.routes.admin_panel import PANEL_DIR


def test_the_panel_is_served_at_admin_with_its_own_policy(api):
    """/admin is the panel's HTML: login form, its script, Chart.js from the CDN; a CSP naming those."""
    response = api.get("/admin")
    assert response.status_code == HTTPStatus.OK
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert page == (PANEL_DIR / "index.html").read_text()
    assert 'id="login-form"' in page
    assert '<script src="/admin/app.js">' in page
    assert '<script src="https://cdn.jsdelivr.net/npm/chart.js">' in page
    policy = response.headers["content-security-policy"]
    assert "script-src 'self' https://cdn.jsdelivr.net" in policy
    assert "connect-src 'self' https://almaryarostary.onrender.com" in policy


def test_browsers_get_the_panel_at_the_root_and_clients_get_json(api):
    """`GET /` answers the panel to `Accept: text/html` and the status JSON to everyone else."""
    html = api.get("/", headers={"Accept": "text/html,application/xhtml+xml"})
    assert html.text == api.get("/admin").text
    assert set(api.get("/", headers={"Accept": "application/json"}).json()) == {
        "message",
        "status",
        "mongodb",
        "version",
    }


@pytest.mark.parametrize(
    ("name", "media_type", "marker"),
    [
        pytest.param("app.js", "text/javascript", "localStorage.getItem('adminToken')", id="script"),
        pytest.param("styles.css", "text/css", ":root", id="stylesheet"),
    ],
)
def test_the_panels_assets_are_served(api, name, media_type, marker):
    response = api.get(f"/admin/{name}")
    assert response.status_code == HTTPStatus.OK
    assert response.headers["content-type"].startswith(media_type)
    assert marker in response.text


def test_the_script_signs_in_through_admin_login_and_falls_back_to_the_hosted_api(api):
    """API.md 7.3: admin-login, Bearer token, and the localhost-only API base."""
    script = api.get("/admin/app.js").text
    assert "'/api/auth/admin-login'" in script
    assert "Authorization = `Bearer ${bearer}`" in script
    assert "location.hostname === 'localhost'" in script
    assert "https://almaryarostary.onrender.com" in script


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/admin/screenshot.png", id="a-file-that-is-no-asset"),
        pytest.param("/admin/..%2f..%2fsettings.py", id="path-traversal"),
        pytest.param("/admin/unknown.js", id="unknown"),
    ],
)
def test_only_the_panels_assets_are_served(api, path):
    """Anything else under /admin is the global 404, never a file from elsewhere."""
    response = api.get(path)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["error"]["code"] == "NOT_FOUND_ERROR"
