"""The PromQL reader the dashboard and alert tests rely on finds what it must."""

from __future__ import annotations

import pytest

from tests.unit.deploy.promql import metrics_and_labels


def test_it_names_metrics_and_labels_but_not_functions_or_strings() -> None:
    expr = (
        "histogram_quantile(0.99, sum by (job, le) ("
        "rate(http_server_request_duration_seconds_bucket"
        '{job=~"$job", http_route!="/health"}[$__rate_interval]))) > 2'
        " unless on (job) up == 0"
    )
    assert metrics_and_labels(expr) == (
        {"http_server_request_duration_seconds_bucket", "up"},
        {"job", "le", "http_route"},
    )


def test_a_misspelt_metric_is_seen() -> None:
    assert metrics_and_labels("sum(kefu_consumer_lags)")[0] == {"kefu_consumer_lags"}


def test_a_syntax_error_is_seen() -> None:
    with pytest.raises(ValueError):
        metrics_and_labels('sum(rate(kefu_consumer_lag{job="x"}[5m])')
