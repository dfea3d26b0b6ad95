from __future__ import annotations

from guardrails.serverless import usage_limits

from tests.policies.harness import DROP, UNKNOWN, UNKNOWN_NUMBER, check, with_
from tests.policies.secure import REPLICATION_GROUP, RG, SERVERLESS_CACHE, SLS


def limits(storage: object = 10, ecpu: object = 5000) -> dict:
    data = {"unit": "GB"} if storage is DROP else {"maximum": storage, "unit": "GB"}
    entry = {} if ecpu is DROP else {"maximum": ecpu}
    return {"dataStorage": data, "ecpuPerSeconds": [entry]}


def test_bounded_serverless_cache_passes() -> None:
    assert check(usage_limits, SLS, SERVERLESS_CACHE).passed


def test_unbounded_caches_are_flagged() -> None:
    assert (
        "`cacheUsageLimits` is unset" in check(usage_limits, SLS, with_(SERVERLESS_CACHE, cacheUsageLimits=DROP)).text()
    )
    no_storage = check(usage_limits, SLS, with_(SERVERLESS_CACHE, cacheUsageLimits=limits(storage=DROP)))
    assert "`cacheUsageLimits.dataStorage.maximum` is unset" in no_storage.text()
    no_ecpu = check(usage_limits, SLS, with_(SERVERLESS_CACHE, cacheUsageLimits=limits(ecpu=DROP)))
    assert "`cacheUsageLimits.ecpuPerSeconds[0].maximum` is unset" in no_ecpu.text()
    no_list = check(
        usage_limits, SLS, with_(SERVERLESS_CACHE, cacheUsageLimits={"dataStorage": {"maximum": 1, "unit": "GB"}})
    )
    assert "`cacheUsageLimits.ecpuPerSeconds` is unset" in no_list.text()


def test_caps_from_config() -> None:
    config = {"maximumDataStorageGb": 5, "maximumEcpuPerSecond": 1000}
    outcome = check(usage_limits, SLS, SERVERLESS_CACHE, config=config)
    assert "is 10 GB; this environment allows 5 GB" in outcome.text()
    assert "is 5000; this environment allows 1000 ECPU/s" in outcome.text()


def test_unknown_limits_are_advisory_and_other_types_ignored() -> None:
    outcome = check(usage_limits, SLS, with_(SERVERLESS_CACHE, cacheUsageLimits=limits(storage=UNKNOWN_NUMBER)))
    assert outcome.violations == []
    assert "`cacheUsageLimits.dataStorage.maximum` is not known" in (outcome.advisory or "")
    whole = check(usage_limits, SLS, with_(SERVERLESS_CACHE, cacheUsageLimits=UNKNOWN))
    assert "`cacheUsageLimits` is not known" in (whole.advisory or "")
    assert check(usage_limits, RG, REPLICATION_GROUP).passed
