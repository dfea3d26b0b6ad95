"""Redis OSS Extended Support: a version past its end of standard support runs at a premium on the node price.

AWS enrols such a cache automatically the day after standard support ends and adds a share of the on-demand node
price (80% in years 1 and 2, 160% in year 3, `facts.extendedSupportPremium`) until Extended Support ends too. The
dates are `elasticache_facts.engines.REDIS_OSS_SUPPORT`'s. Valkey and Redis OSS 7.x have no announced end.
"""

from __future__ import annotations

import datetime

from elasticache_facts.engines import redis_oss_support
from pricing.estimate import Line, money, num
from pricing.table import Price, PriceTable

LABEL = "extended support"


def _year_of(start: datetime.date, today: datetime.date) -> int:
    months = (today.year - start.year) * 12 + today.month - start.month - (today.day < start.day)
    return months // 12 + 1


def extended_support(
    table: PriceTable, engine: str, version: str | None, nodes_usd: float | None, today: datetime.date
) -> Line | None:
    """The Extended Support line of a node-based Redis OSS cache, or None when its version has no end announced.

    Before standard support ends the line costs nothing and says when it will; during Extended Support it is the
    premium on `nodes_usd` (the on-demand node line), "surcharge unknown" when that or the premium has no price;
    after Extended Support ends it is unknown: AWS no longer runs the version.
    """
    if engine != "redis" or not version:
        return None
    dates = redis_oss_support(version)
    if dates is None:
        return None
    standard_end, extended_end = (datetime.date.fromisoformat(day) for day in dates)
    name = f"Redis OSS {version}"
    if today <= standard_end:
        first = table.extended_support_premium(1)
        then = (
            f"; from then Extended Support adds {first.value:.0%} of the node price [{first.cite()}]" if first else ""
        )
        sources: tuple[Price, ...] = (first,) if first else ()
        return Line(
            LABEL, 0.0, f"{name}: standard support ends {standard_end}, Extended Support {extended_end}{then}", sources
        )
    if today > extended_end:
        return Line(LABEL, None, f"{name}: Extended Support ended {extended_end}; upgrade the engine")
    year = _year_of(standard_end + datetime.timedelta(days=1), today)
    premium = table.extended_support_premium(min(year, 3))
    head = f"{name} is in Extended Support (year {year}, until {extended_end})"
    if premium is None or nodes_usd is None:
        why = "no premium in the table" if premium is None else "the node price is not known"
        return Line(LABEL, None, f"{head}: surcharge unknown ({why})", (premium,) if premium else ())
    return Line(
        LABEL,
        premium.value * nodes_usd,
        f"{head}: {num(premium.value)} x the nodes' {money(nodes_usd)} on demand [{premium.cite()}]",
        (premium,),
    )
