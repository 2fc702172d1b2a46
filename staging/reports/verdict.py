"""The release gate's decision: GO or NO-GO, with the reasons a person can act on.

NO-GO when any of these holds:
- no test ran (pytest exit status 5, or no result that actually ran);
- pytest ended abnormally (interrupted, internal or usage error: exit status 2, 3, 4);
- a test failed or broke and is not a known defect (harness errors included: a run that could not
  test is not a pass);
- pytest reported a failure that left no test result (exit status 1 with nothing failing to show);
- the load run breached an SLO, or its results could not be read.

Otherwise GO, with the known defects that failed listed. A known defect whose test now passes is flagged so
its entry gets removed; a load run judged invalid is reported but is not a breach.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from staging.reports.known_defects import KnownDefect
from staging.reports.results import Outcome, Results, Status
from staging.reports.slo import LoadResults, is_invalid_load

ABNORMAL_EXIT = {2: "interrupted", 3: "internal error", 4: "usage error"}
NO_TESTS_EXIT = 5
_LISTED = 10  # reasons name at most this many tests; the report lists them all


@dataclass(frozen=True)
class AreaRow:
    area: str
    passed: int
    blocking: int
    known: int
    skipped: int

    @property
    def status(self) -> str:
        if self.blocking:
            return "fail"
        if self.known:
            return "known defects"
        return "pass" if self.passed else "not run"


@dataclass(frozen=True)
class KnownRow:
    test: str
    issue: str
    reason: str
    outcome: str  # "failed (known)", "passes now: remove the entry", "not run"
    detail: str = ""


@dataclass
class Verdict:
    go: bool
    reasons: list[str]
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    areas: list[AreaRow] = field(default_factory=list)
    blocking: list[Outcome] = field(default_factory=list)
    known: list[KnownRow] = field(default_factory=list)
    load: LoadResults | None = None
    exit_status: int | None = None

    @property
    def label(self) -> str:
        return "GO" if self.go else "NO-GO"


def decide(
    results: Results,
    *,
    exit_status: int | None = None,
    load: LoadResults | None = None,
    known_entries: list[KnownDefect] | None = None,
) -> Verdict:
    outcomes = results.outcomes
    # A known failure is the xfail the plugin made of a listed test; an error in its setup (the stack would
    # not start) is no xfail and still blocks.
    known_failed = [o for o in outcomes if o.is_known_defect and o.status is Status.SKIPPED and o.xfailed]
    known_passed = [o for o in outcomes if o.is_known_defect and o.status is Status.PASSED]
    # A load check from an invalid run is broken in Allure but is no verdict on the backend.
    blocking = [o for o in outcomes if o.status in (Status.FAILED, Status.BROKEN) and not is_invalid_load(o)]
    invalid_load = [o for o in outcomes if is_invalid_load(o)]
    slo_failures = [o for o in blocking if "SLO breach" in o.message]
    test_failures = [o for o in blocking if o not in slo_failures]
    ran = [o for o in outcomes if o.status in (Status.PASSED, Status.FAILED, Status.BROKEN)] + known_failed
    counts = Counter(o.status.value for o in outcomes)
    summary = {
        "total": len(outcomes),
        "ran": len(ran),
        "passed": counts["passed"],
        "failed": sum(o.status is Status.FAILED for o in blocking),
        "broken": sum(o.status is Status.BROKEN for o in blocking),
        "skipped": counts["skipped"] + counts["unknown"] + len(invalid_load) - len(known_failed),
        "known": len(known_failed),
    }

    reasons = _blocking_reasons(exit_status, ran, test_failures, slo_failures, load)
    go = not reasons
    notes = _notes(go, known_failed, known_passed, load)
    if invalid_load and (load is None or load.status != "invalid"):
        notes.append(
            f"{len(invalid_load)} load check(s) from an invalid run: reported, not counted as a breach."
        )
    if go:
        reasons = [
            f"All {summary['passed']} other test(s) passed; {len(known_failed)} known defect(s) failed as "
            "expected and do not block."
            if known_failed
            else f"All {summary['passed']} test(s) that ran passed."
        ]
    return Verdict(
        go=go,
        reasons=reasons,
        notes=notes,
        counts=summary,
        areas=_areas(outcomes),
        blocking=blocking,
        known=_known_rows(known_failed, known_passed, known_entries or []),
        load=load,
        exit_status=exit_status,
    )


def _blocking_reasons(
    exit_status: int | None,
    ran: list[Outcome],
    test_failures: list[Outcome],
    slo_failures: list[Outcome],
    load: LoadResults | None,
) -> list[str]:
    reasons: list[str] = []
    if exit_status == NO_TESTS_EXIT or not ran:
        reasons.append("No test ran: a run that tests nothing cannot pass the gate.")
    if exit_status in ABNORMAL_EXIT:
        what = ABNORMAL_EXIT[exit_status]
        reasons.append(f"pytest ended with exit status {exit_status} ({what}): the run is incomplete.")
    if test_failures:
        reasons.append(f"{len(test_failures)} blocking failure(s): {_names(test_failures)}.")
    if load is not None and load.problem:
        reasons.append(f"Load results unreadable: {load.problem}.")
    elif load is not None and load.breached:
        rows = load.breaches
        detail = (
            ", ".join(f"{r.name} {r.measured()} (objective {r.objective()})" for r in rows) or load.reason
        )
        reasons.append(f"SLO breach: {detail or 'the load run reports a breach'}.")
    elif slo_failures:
        reasons.append(f"SLO breach: {_names(slo_failures)}.")
    if exit_status == 1 and not test_failures and not slo_failures and not reasons:
        reasons.append("pytest reported a failure that left no test result (see the console and junit.xml).")
    return reasons


def _notes(
    go: bool, known_failed: list[Outcome], known_passed: list[Outcome], load: LoadResults | None
) -> list[str]:
    notes: list[str] = []
    if known_failed and not go:  # a GO's reason already counts them
        notes.append(f"{len(known_failed)} known defect(s) failed as expected (listed in the report).")
    for outcome in known_passed:
        notes.append(
            f"Known defect now passes: remove its entry from the known-defects file ({_test(outcome)})."
        )
    if load is None:
        notes.append("Load SLOs: not measured in this run.")
    elif load.status == "invalid" and not load.problem:
        notes.append(f"Load run invalid, not counted as a breach: {load.reason or 'see the load report'}.")
    elif not load.breached and not load.problem:
        notes.append("Load SLOs met.")
    return notes


def _names(outcomes: list[Outcome]) -> str:
    names = [o.test_id for o in outcomes[:_LISTED]]
    more = len(outcomes) - _LISTED
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def _areas(outcomes: list[Outcome]) -> list[AreaRow]:
    by_area: dict[str, Counter[str]] = {}
    for outcome in outcomes:
        counter = by_area.setdefault(outcome.area, Counter())
        if outcome.is_known_defect and outcome.status is Status.SKIPPED and outcome.xfailed:
            counter["known"] += 1
        elif outcome.status in (Status.FAILED, Status.BROKEN) and not is_invalid_load(outcome):
            counter["blocking"] += 1
        elif outcome.status is Status.PASSED:
            counter["passed"] += 1
        else:
            counter["skipped"] += 1
    return [
        AreaRow(area, c["passed"], c["blocking"], c["known"], c["skipped"])
        for area, c in sorted(by_area.items())
    ]


def _known_rows(failed: list[Outcome], passed: list[Outcome], entries: list[KnownDefect]) -> list[KnownRow]:
    rows = [KnownRow(_test(o), o.issue or "", _reason(o), "failed (known)", o.failure_line) for o in failed]
    rows += [KnownRow(_test(o), o.issue or "", _reason(o), "passes now: remove the entry") for o in passed]
    seen = {o.known_test for o in [*failed, *passed]}
    # An entry that matched no result: its test was deselected, renamed or removed.
    rows += [KnownRow(e.test, e.issue, e.reason, "not run") for e in entries if e.test not in seen]
    return rows


def _test(outcome: Outcome) -> str:
    return outcome.known_test or outcome.test_id


def _reason(outcome: Outcome) -> str:
    """The entry's reason, from ``Known defect <issue>: <reason>`` in the message."""
    headline = outcome.headline
    issue = outcome.issue
    if issue and issue in headline:
        return headline.split(issue, 1)[1].lstrip(": ").strip()
    return headline
