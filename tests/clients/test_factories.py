"""Factories give valid, UAE-flavoured, unique data, reproducible under a faker seed."""

import re
import threading

import pytest
from faker import Faker

from fixtures import factories
from fixtures.models import Coffee, Size, parse_model

OID = "65f1c2d3e4f5a6b7c8d9e0f1"
OTHER = "65f1c2d3e4f5a6b7c8d9e0f2"
STAFF_PHONE = re.compile(r"^[\d\s\-\+\(\)]+$")  # API.md 2.3


def coffee(coffee_id: str, price: float, variants=()) -> Coffee:
    return parse_model(
        Coffee,
        {
            "_id": coffee_id,
            "name": {"en": "Yemen Mocha", "ar": "موكا"},
            "price": price,
            "variants": list(variants),
        },
    )


def test_customer_payload_satisfies_the_registration_rules():
    """Name of 1-50 characters, an @example.com email, a policy password and a UAE mobile."""
    payload = factories.customer_payload()

    assert 1 <= len(payload["name"]) <= 50
    assert payload["email"].endswith("@example.com")
    assert payload["email"] == payload["email"].lower()
    assert factories.PASSWORD_POLICY.match(payload["password"])
    assert factories.PHONE_PATTERN.match(payload["phone"])


def test_passwords_always_satisfy_the_policy():
    """Every draw has lower, upper, digit and an allowed special, and nothing outside the allowed set."""
    for _ in range(300):
        assert factories.PASSWORD_POLICY.match(factories.password())


def test_phones_are_uae_mobiles():
    """`+9715` followed by 8 digits, random or unique."""
    for _ in range(100):
        assert factories.PHONE_PATTERN.match(factories.phone())
        assert factories.PHONE_PATTERN.match(factories.unique_phone())


def test_emails_are_unique_per_call():
    """Two customers never share an email, even with the same name."""
    emails = {factories.email("Ahmed Al Mansouri") for _ in range(500)}

    assert len(emails) == 500


def test_unique_phones_do_not_repeat():
    """Drivers need unique phones (2.4)."""
    phones = [factories.unique_phone() for _ in range(500)]

    assert len(set(phones)) == len(phones)


def test_pins_are_four_digits_unique_and_never_the_default():
    """The allocator never repeats and never hands out the well-known default PIN."""
    pins = [factories.unique_pin() for _ in range(200)]

    assert len(set(pins)) == len(pins)
    assert all(re.fullmatch(r"\d{4}", pin) for pin in pins)
    assert "1234" not in pins


def test_pin_shares_of_xdist_workers_are_disjoint():
    """Worker i of n only gets PINs congruent to i mod n, so parallel workers never collide."""
    shares = [factories.PinAllocator(index, 4) for index in range(4)]
    drawn = [{share.next() for _ in range(100)} for share in shares]

    assert all(int(pin) % 4 == index for index, pins in enumerate(drawn) for pin in pins)
    assert len(set().union(*drawn)) == 400


def test_pin_allocator_is_safe_across_threads():
    """Concurrency tests create staff from threads; no PIN is handed out twice."""
    allocator = factories.PinAllocator()
    drawn: list[str] = []

    def draw():
        drawn.extend(allocator.next() for _ in range(100))

    threads = [threading.Thread(target=draw) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(set(drawn)) == 800


def test_pin_allocator_says_when_a_share_is_used_up():
    """Running out is a clear error, not a silent reuse."""
    allocator = factories.PinAllocator(0, 5000, reserved=frozenset())
    allocator.next()
    allocator.next()

    with pytest.raises(RuntimeError, match="used all"):
        allocator.next()


@pytest.mark.parametrize(
    ("worker", "count", "slot"),
    [
        pytest.param(None, None, (0, 1), id="no-xdist"),
        pytest.param("gw3", "8", (3, 8), id="worker-3-of-8"),
    ],
)
def test_worker_slot_reads_the_xdist_environment(monkeypatch, worker, count, slot):
    """The partition comes from PYTEST_XDIST_WORKER and PYTEST_XDIST_WORKER_COUNT."""
    for name, value in (("PYTEST_XDIST_WORKER", worker), ("PYTEST_XDIST_WORKER_COUNT", count)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)

    assert factories.worker_slot() == slot


def test_staff_and_driver_payloads_carry_explicit_unique_pins():
    """Staff and drivers are always created with their own PIN, never the default (2.3, 2.4)."""
    staff = factories.staff_payload(role="manager")
    driver = factories.driver_payload(vehicle=True)

    assert staff["pin"] != driver["pin"]
    assert staff["role"] == "manager"
    assert STAFF_PHONE.match(staff["phone"])
    assert re.fullmatch(r"\d{2}:\d{2}", staff["shiftStartTime"])
    assert {"vehicleType", "plateNumber", "vehicleColor"} <= driver.keys()


def test_addresses_are_in_dubai_or_abu_dhabi():
    """Real areas of the two emirates; the country is UAE."""
    for _ in range(50):
        address = factories.address()
        assert address["city"] in factories.AREAS
        assert any(area in address["street"] for area in factories.AREAS[address["city"]])
        assert address["country"] == "UAE"


def test_order_payload_follows_4_1_with_a_total_from_catalog_prices():
    """Items name product and size; the total applies the variant-else-base price rule."""
    kenya = coffee(OID, 70, [{"size": "500gm", "price": 120, "isActive": True}])
    mocha = coffee(OTHER, 65.5)

    payload = factories.order_payload([kenya, mocha], "express", "card", quantity=[2, 3], size=Size.G500)

    assert payload["items"] == [
        {"productId": OID, "productName": "Yemen Mocha", "quantity": 2, "selectedSize": "500g"},
        {"productId": OTHER, "productName": "Yemen Mocha", "quantity": 3, "selectedSize": "500g"},
    ]
    assert payload["totalAmount"] == pytest.approx(2 * 120 + 3 * 65.5)
    assert (payload["deliveryMethod"], payload["paymentMethod"]) == ("express", "card")
    assert payload["shippingAddress"]["country"] == "UAE"
    assert "price" not in payload["items"][0]


def test_order_payload_can_tamper_with_the_total_and_send_prices():
    """Tampering tests override the total and send client prices the server must not trust."""
    payload = factories.order_payload(
        [coffee(OID, 70)], total_amount=0.01, item_prices=True, notes="No sugar"
    )

    assert payload["totalAmount"] == 0.01
    assert payload["items"][0]["price"] == 70
    assert payload["specialInstructions"] == "No sugar"


def test_factories_are_deterministic_under_a_faker_seed():
    """Same seed, same people and addresses; only the uniqueness fragment differs."""
    Faker.seed(2024)
    first = factories.customer_payload(), factories.address()
    Faker.seed(2024)
    second = factories.customer_payload(), factories.address()

    assert first[0]["name"] == second[0]["name"]
    assert first[0]["password"] == second[0]["password"]
    assert first[1] == second[1]
    assert first[0]["email"] != second[0]["email"]


def test_coffee_documents_are_ready_to_seed():
    """A 9.2 coffee document with English and Arabic names and real dates."""
    document = factories.coffee_document(
        price=65.0, variants=[{"size": "250gm", "price": 40, "isActive": True}]
    )

    assert document["name"]["ar"]
    assert document["price"] == 65.0
    assert document["isActive"] is True
    assert document["createdAt"].tzinfo is not None
