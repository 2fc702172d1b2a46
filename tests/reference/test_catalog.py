"""The catalog (API.md 3)."""

from __future__ import annotations

import uuid
from http import HTTPStatus

import pytest

from .support import bearer


def test_list_shows_only_active_coffees_with_localized_names(api, seed_coffee):
    """Inactive coffees are hidden; `localizedName` follows `lang`."""
    active, inactive = seed_coffee(), seed_coffee(active=False)
    response = api.get("/api/coffees", params={"limit": 100, "lang": "ar", "q": uuid.uuid4().hex})
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    ids = {coffee["_id"] for coffee in body["data"]}
    assert str(active) in ids
    assert str(inactive) not in ids
    assert body["language"] == "ar"
    assert all(coffee["localizedName"] == coffee["name"]["ar"] for coffee in body["data"])


def test_search_is_case_insensitive_over_names(api, seed_coffee, backend):
    """Search matches the English name without regard to case."""
    coffee_id = seed_coffee()
    tag = backend.db.coffees.find_one({"_id": coffee_id})["name"]["en"].split()[-1]
    response = api.get("/api/coffees", params={"search": tag.upper()})
    assert [coffee["_id"] for coffee in response.json()["data"]] == [str(coffee_id)]


def test_anonymous_reads_are_cached_and_marked(api, seed_coffee):
    """Wire: the same anonymous URL is a MISS, then a HIT; a token bypasses the cache."""
    params = {"page": 1, "nonce": uuid.uuid4().hex}
    first = api.get("/api/coffees", params=params)
    seed_coffee()
    second = api.get("/api/coffees", params=params)
    assert first.headers["X-Cache"] == "MISS"
    assert second.headers["X-Cache"] == "HIT"
    assert second.json() == first.json()


def test_a_token_bypasses_the_cache(api, customer):
    """Any valid token gets a fresh, unmarked answer."""
    response = api.get("/api/coffees", params={"nonce": uuid.uuid4().hex}, headers=bearer(customer.token))
    assert response.status_code == HTTPStatus.OK
    assert "X-Cache" not in response.headers


@pytest.mark.parametrize(
    ("path", "status"),
    [
        pytest.param("/api/coffees/not-an-id", HTTPStatus.BAD_REQUEST, id="malformed"),
        pytest.param("/api/coffees/0123456789abcdef01234567", HTTPStatus.NOT_FOUND, id="unknown"),
    ],
)
def test_bad_coffee_ids(api, path, status):
    """Malformed ids get 400, unknown ids 404."""
    assert api.get(path).status_code == status


def test_unknown_coffee_answers_a_bare_message(api):
    """Wire: this 404 body is `{message}` alone, with no `success` key."""
    assert api.get("/api/coffees/0123456789abcdef01234567").json() == {"message": "Coffee not found"}


# Terms that match no seeded name once the NUL is dropped: seeded names carry random hex suffixes, so a term
# such as "a\x00b" (searched as "ab") would match one now and then.
@pytest.mark.parametrize("term", ["\x00nomatch", "zq\x00zq", "(unclosed", ".*", "$where"])
def test_odd_search_terms_are_literal_and_never_fail(api, term):
    """Regex metacharacters and NUL bytes are searched literally; never a 5xx."""
    response = api.get("/api/coffees", params={"search": term, "nonce": uuid.uuid4().hex})
    assert response.status_code == HTTPStatus.OK
    assert "data" not in response.json()  # nothing matches, so the empty list is stripped
