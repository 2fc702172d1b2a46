"""The known-defects file: what it accepts, and one clear line for each mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from staging.core import StagingError
from staging.reports import known_defects

ISSUE = "https://github.com/al-marya/backend/issues/9"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "known_defects.toml"
    path.write_text(text)
    return path


def test_the_repository_file_loads():
    """e2e/known_defects.toml is valid as committed."""
    assert isinstance(known_defects.load(), known_defects.KnownDefects)


def test_a_missing_file_means_no_known_defects(tmp_path: Path):
    """Without the file nothing is known, and nothing fails."""
    assert len(known_defects.load(tmp_path / "absent.toml")) == 0


def test_an_entry_is_found_by_its_node_id_and_a_base_id_covers_every_case(tmp_path: Path):
    """``test_x`` covers ``test_x[a]`` and ``test_x[b]``; other tests are not matched."""
    path = write(
        tmp_path,
        f'[[defect]]\ntest = "e2e/test_orders.py::test_x"\nissue = "{ISSUE}"\n'
        'reason = "totals off by one fils"\n',
    )
    loaded = known_defects.load(path)
    entry = loaded.for_test("e2e/test_orders.py::test_x[card]")
    assert entry is not None
    assert entry.issue == ISSUE
    assert entry.xfail_reason() == f"Known defect {ISSUE}: totals off by one fils"
    assert loaded.for_test("e2e/test_orders.py::test_x") == entry
    assert loaded.for_test("e2e/test_orders.py::test_y") is None
    assert loaded.as_json() == [{"test": entry.test, "issue": ISSUE, "reason": "totals off by one fils"}]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("[[defect]\n", "not valid TOML", id="bad-toml"),
        pytest.param(
            '[[defect]]\ntest = "e2e/a.py::t"\nreason = "r"\n', "defect #1: missing issue", id="no-issue"
        ),
        pytest.param(
            '[[defect]]\ntest = "e2e/a.py::t"\nissue = "#12"\nreason = "r"\n',
            "is not a link",
            id="issue-not-a-link",
        ),
        pytest.param(
            f'[[defect]]\ntest = "test_t"\nissue = "{ISSUE}"\nreason = "r"\n',
            "not a pytest node id",
            id="not-a-node-id",
        ),
        pytest.param(
            f'[[defect]]\ntest = "e2e/a.py::t"\nissue = "{ISSUE}"\nreason = "r"\nowner = "me"\n',
            "unknown keys ['owner']",
            id="unknown-key",
        ),
        pytest.param(
            f'[[defect]]\ntest = "e2e/a.py::t"\nissue = "{ISSUE}"\nreason = "r"\n' * 2,
            "e2e/a.py::t is listed twice",
            id="duplicate",
        ),
        pytest.param(
            '[[defects]]\ntest = "e2e/a.py::t"\n', "unknown top-level keys ['defects']", id="misspelt-table"
        ),
    ],
)
def test_mistakes_in_the_file_are_named(tmp_path: Path, text: str, message: str):
    """Each mistake gives one line naming the file and what is wrong."""
    path = write(tmp_path, text)
    with pytest.raises(StagingError) as error:
        known_defects.load(path)
    assert message in str(error.value)
    assert str(path) in str(error.value)
