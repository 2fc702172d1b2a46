"""Which tests a target lets run (README "Targets"), and which target a set of flags means."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from fixtures.targeting import refusal, writes_to_target
from staging.stack import Target, implied_target


@dataclass
class Item:
    """Just what the rules read from a pytest item: its markers and the fixtures it uses."""

    markers: set[str] = field(default_factory=set)
    fixturenames: tuple[str, ...] = ()

    def get_closest_marker(self, name: str) -> object | None:
        return name if name in self.markers else None


SMOKE = Item({"smoke"}, ("anonymous", "stack"))
DESTRUCTIVE = Item({"e2e", "destructive"}, ("customer", "stack"))
UNMARKED_WRITER = Item({"e2e"}, ("customer", "stack"))  # forgot its marker, still uses the target
HARNESS = Item(set(), ("tmp_path",))  # a harness self-test: never touches the target


@pytest.mark.parametrize(
    ("item", "writes"),
    [
        pytest.param(SMOKE, False, id="smoke"),
        pytest.param(DESTRUCTIVE, True, id="destructive"),
        pytest.param(UNMARKED_WRITER, True, id="unmarked-user-of-the-target"),
        pytest.param(HARNESS, False, id="harness-test"),
    ],
)
def test_a_test_writes_unless_it_is_smoke_or_never_touches_the_target(item: Item, writes: bool):
    assert writes_to_target(item) is writes


@pytest.mark.parametrize("target", [Target.EMBEDDED, Target.LOCAL, Target.DOCKER])
def test_targets_started_here_refuse_nothing(target: Target):
    """A stack this run started is ours to write to."""
    for item in (SMOKE, DESTRUCTIVE, UNMARKED_WRITER, HARNESS):
        assert refusal(item, target=target, allow_destructive=False, production=False) is None


def test_a_remote_target_refuses_writers_until_allowed():
    """Without consent only tests that leave the target alone run; with it, everything."""
    refused = {
        name: refusal(item, target=Target.REMOTE, allow_destructive=False, production=False)
        for name, item in {"smoke": SMOKE, "destructive": DESTRUCTIVE, "unmarked": UNMARKED_WRITER}.items()
    }
    assert refused["smoke"] is None
    assert refused["destructive"] == "writes to the remote target: pass --allow-destructive to run it"
    assert refused["unmarked"] == refused["destructive"], "a missing marker must not make a test safe"
    for item in (SMOKE, DESTRUCTIVE, UNMARKED_WRITER):
        assert refusal(item, target=Target.REMOTE, allow_destructive=True, production=False) is None


def test_production_keeps_only_smoke_checks():
    """Everything but ``smoke`` is refused, harness tests and consent notwithstanding."""
    assert refusal(SMOKE, target=Target.REMOTE, allow_destructive=False, production=True) is None
    for item in (DESTRUCTIVE, UNMARKED_WRITER, HARNESS):
        reason = refusal(item, target=Target.REMOTE, allow_destructive=True, production=True)
        assert reason == "production: only read-only smoke checks run"


@pytest.mark.parametrize(
    ("flags", "target"),
    [
        pytest.param({}, Target.EMBEDDED, id="nothing"),
        pytest.param({"base_url": "http://127.0.0.1:5001"}, Target.REMOTE, id="url"),
        pytest.param({"backend_dir": Path("../backend")}, Target.LOCAL, id="checkout"),
        pytest.param({"backend_image": "almarya/backend:1"}, Target.DOCKER, id="image"),
        pytest.param({"backend_dir": Path("b"), "backend_image": "i"}, Target.DOCKER, id="image-and-dir"),
    ],
)
def test_flags_imply_a_target(flags: dict, target: Target):
    given = {"base_url": None, "backend_dir": None, "backend_image": None} | flags
    assert implied_target(**given) is target
