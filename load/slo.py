"""The SLO configuration (``load/slo.toml``): limits per endpoint and in aggregate, the generator's own
limits, and when a change against the previous run is worth flagging."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from staging.core import StagingError

DEFAULT_SLO = Path(__file__).resolve().parent / "slo.toml"
AGGREGATE = "Aggregated"  # Locust's name for the all-requests row
_PERCENTILE_KEY = re.compile(r"^p(\d{1,2}(?:\.\d+)?)_ms$")


class SloConfigError(StagingError):
    """An SLO file that cannot be applied as written."""


@dataclass(frozen=True)
class Thresholds:
    """Limits of one row (an endpoint or the aggregate); every check is a strict "below"."""

    percentiles_ms: dict[float, float] = field(default_factory=dict)  # 0.95 -> 500.0
    error_ratio: float | None = None
    min_requests: int = 1  # fewer requests than this: "no data", which fails the gate


@dataclass(frozen=True)
class GeneratorLimits:
    """When the load generator's own CPU makes a run untrustworthy."""

    demand_percent: float = 90.0  # CPU used plus time spent waiting for a CPU, as % of one core
    saturated_share: float = 0.2  # ... reached during at least this share of the sampled seconds
    sample_interval_s: float = 0.5
    loop_lag_ms: float = 50.0  # event-loop lag that makes the generator's own timing untrustworthy


@dataclass(frozen=True)
class ComparisonSettings:
    """A p95 change against the previous run of the profile is flagged past both thresholds."""

    p95_change_percent: float = 25.0
    p95_change_min_ms: float = 20.0


@dataclass(frozen=True)
class SloConfig:
    defaults: Thresholds
    aggregate: Thresholds
    endpoints: dict[str, Thresholds]
    at_limit_fails: bool = True
    generator: GeneratorLimits = GeneratorLimits()
    comparison: ComparisonSettings = ComparisonSettings()
    source: Path | None = None

    def for_endpoint(self, key: str) -> Thresholds:
        return self.aggregate if key == AGGREGATE else self.endpoints.get(key, self.defaults)


def load_slo(path: Path = DEFAULT_SLO) -> SloConfig:
    if not path.is_file():
        raise SloConfigError(f"no SLO file at {path}")
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise SloConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_slo(raw, source=path)


def parse_slo(raw: dict[str, Any], *, source: Path | None = None) -> SloConfig:
    where = str(source or "SLO config")
    _only(raw, {"at_limit", "defaults", "aggregate", "endpoints", "generator", "comparison"}, where)
    defaults = _thresholds(raw.get("defaults", {}), Thresholds(), f"{where}: [defaults]")
    endpoints_raw = raw.get("endpoints", {})
    if not isinstance(endpoints_raw, dict):
        raise SloConfigError(f'{where}: [endpoints] must be a table of "METHOD /path" tables')
    endpoints = {}
    for key, table in endpoints_raw.items():
        if not re.match(r"^[A-Z]+ /", key):
            raise SloConfigError(
                f'{where}: endpoint {key!r} must read "METHOD /path", e.g. "GET /api/orders"'
            )
        endpoints[key] = _thresholds(table, defaults, f'{where}: [endpoints."{key}"]')
    at_limit = raw.get("at_limit", "fail")
    if at_limit not in ("fail", "pass"):
        raise SloConfigError(f'{where}: at_limit must be "fail" or "pass", got {at_limit!r}')
    return SloConfig(
        defaults=defaults,
        aggregate=_thresholds(raw.get("aggregate", {}), defaults, f"{where}: [aggregate]"),
        endpoints=endpoints,
        at_limit_fails=at_limit == "fail",
        generator=_generator(raw.get("generator", {}), f"{where}: [generator]"),
        comparison=_comparison(raw.get("comparison", {}), f"{where}: [comparison]"),
        source=source,
    )


def _thresholds(raw: Any, base: Thresholds, where: str) -> Thresholds:
    if not isinstance(raw, dict):
        raise SloConfigError(f"{where}: expected a table")
    percentiles = dict(base.percentiles_ms)
    result = replace(base)
    for key, value in raw.items():
        if key == "error_ratio":
            result = replace(result, error_ratio=_number(value, where, key, upper=1.0))
        elif key == "min_requests":
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise SloConfigError(f"{where}: min_requests must be a whole number >= 0, got {value!r}")
            result = replace(result, min_requests=value)
        elif match := _PERCENTILE_KEY.match(key):
            fraction = float(match.group(1)) / 100
            if not 0 < fraction < 1:
                raise SloConfigError(f"{where}: {key} names no percentile between p0 and p100")
            percentiles[fraction] = _number(value, where, key)
        else:
            raise SloConfigError(
                f"{where}: unknown setting {key!r} (known: pNN_ms such as p95_ms, error_ratio, min_requests)"
            )
    return replace(result, percentiles_ms=dict(sorted(percentiles.items())))


def _generator(raw: Any, where: str) -> GeneratorLimits:
    _only(raw, {"demand_percent", "saturated_share", "sample_interval_s", "loop_lag_ms"}, where)
    base = GeneratorLimits()
    return GeneratorLimits(
        demand_percent=_number(raw.get("demand_percent", base.demand_percent), where, "demand_percent"),
        saturated_share=_number(
            raw.get("saturated_share", base.saturated_share), where, "saturated_share", upper=1.0
        ),
        sample_interval_s=_number(
            raw.get("sample_interval_s", base.sample_interval_s), where, "sample_interval_s"
        ),
        loop_lag_ms=_number(raw.get("loop_lag_ms", base.loop_lag_ms), where, "loop_lag_ms"),
    )


def _comparison(raw: Any, where: str) -> ComparisonSettings:
    _only(raw, {"p95_change_percent", "p95_change_min_ms"}, where)
    base = ComparisonSettings()
    return ComparisonSettings(
        p95_change_percent=_number(
            raw.get("p95_change_percent", base.p95_change_percent), where, "p95_change_percent"
        ),
        p95_change_min_ms=_number(
            raw.get("p95_change_min_ms", base.p95_change_min_ms), where, "p95_change_min_ms"
        ),
    )


def _number(value: Any, where: str, key: str, *, upper: float | None = None) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        raise SloConfigError(f"{where}: {key} must be a positive number, got {value!r}")
    if upper is not None and value > upper:
        raise SloConfigError(f"{where}: {key} must be at most {upper}, got {value!r}")
    return float(value)


def _only(raw: Any, allowed: set[str], where: str) -> None:
    if not isinstance(raw, dict):
        raise SloConfigError(f"{where}: expected a table")
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise SloConfigError(
            f"{where}: unknown setting(s) {', '.join(unknown)} (known: {', '.join(sorted(allowed))})"
        )
