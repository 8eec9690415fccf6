"""A small, independent Python model of CONTRACT §2–§4, written from the contract, not the SQL.

It replays loads (valid records only: the tests that use it generate no rejects) and computes
the funnel and campaign marts the warehouse must end up with.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

OPPORTUNITY_STAGES = {"opportunity", "closed_won", "closed_lost"}


def _utm(value) -> str:
    text = "" if value is None else str(value).strip().lower()
    return text or "unknown"


def _number(value) -> float:
    return max(float(value), 0.0) if value is not None else 0.0


def _report_date(created_at: str, timezone: str = "UTC") -> dt.date:
    """The day of the instant in the reporting zone; a naive timestamp is UTC."""
    moment = dt.datetime.fromisoformat(created_at.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(ZoneInfo(timezone)).date()


class Oracle:
    def __init__(self, timezone: str = "UTC") -> None:
        self.timezone = timezone
        self.ads: dict[tuple, dict] = {}
        self.crm: dict[str, dict] = {}

    def load(self, ads: list[dict], crm: list[dict], since: dt.date | None = None) -> None:
        received = []
        for record in ads:
            day = dt.date.fromisoformat(record["date"][:10])
            if since and day < since:
                continue
            received.append((day, record))
        if received:
            start = since or min(day for day, _ in received)
            end = max(day for day, _ in received)
            self.ads = {k: v for k, v in self.ads.items() if not start <= k[0] <= end}
            for day, record in received:  # later records win
                key = (day, record["channel"].strip().lower(), record["campaign_id"].strip())
                self.ads[key] = record
        for record in crm:
            if since and _report_date(record["created_at"], self.timezone) < since:
                continue
            self.crm[record["opportunity_id"].strip()] = record

    def _ads_rows(self) -> list[dict]:
        return [
            {
                "report_date": day,
                "channel": channel,
                "campaign_id": campaign,
                "triple": tuple(
                    _utm(r.get(k)) for k in ("utm_campaign", "utm_source", "utm_medium")
                ),
                "clicks": _number(r.get("clicks")),
                "impressions": _number(r.get("impressions")),
                "cost": _number(r.get("cost")),
            }
            for (day, channel, campaign), r in self.ads.items()
        ]

    def _crm_groups(self) -> dict[tuple, dict]:
        groups: dict[tuple, dict] = defaultdict(
            lambda: {"leads": 0, "opportunities": 0, "closed_won": 0, "revenue": 0.0}
        )
        for r in self.crm.values():
            stage = (r.get("stage") or "").strip().lower()
            triple = tuple(_utm(r.get(k)) for k in ("utm_campaign", "utm_source", "utm_medium"))
            group = groups[(_report_date(r["created_at"], self.timezone), triple)]
            group["leads"] += 1
            group["opportunities"] += stage in OPPORTUNITY_STAGES
            group["closed_won"] += stage == "closed_won"
            group["revenue"] += _number(r.get("amount")) if stage == "closed_won" else 0.0
        return groups

    def funnel(self) -> list[tuple]:
        """(report_date, triple..., clicks, impressions, cost, leads, opps, won, revenue)."""
        ads: dict[tuple, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
        for row in self._ads_rows():
            sums = ads[(row["report_date"], row["triple"])]
            sums[0] += row["clicks"]
            sums[1] += row["impressions"]
            sums[2] += row["cost"]
        crm = self._crm_groups()
        rows = []
        for key in set(ads) | set(crm):
            a = ads.get(key, [0.0, 0.0, 0.0])
            c = crm.get(key, {"leads": 0, "opportunities": 0, "closed_won": 0, "revenue": 0.0})
            rows.append(
                (key[0], *key[1], *a, c["leads"], c["opportunities"], c["closed_won"], c["revenue"])
            )
        return sorted(rows)

    def campaign(
        self, model: str = "click_share", lookback: int = 0, half_life: float = 7.0
    ) -> list[tuple]:
        """(report_date, channel, campaign_id, triple..., clicks, impressions, cost, leads,
        opportunities, closed_won, revenue): each Ads row with its own measures and the credit
        of every CRM group it is a candidate of under `model` (CONTRACT §4, attribution), and
        one unattributed row per group with no candidate."""
        ads_rows = self._ads_rows()
        credit: dict[int, list[float]] = {i: [0.0, 0.0, 0.0, 0.0] for i in range(len(ads_rows))}
        rows = []
        for (day, triple), group in self._crm_groups().items():
            candidates = [
                i
                for i, r in enumerate(ads_rows)
                if r["triple"] == triple
                and day - dt.timedelta(days=lookback) <= r["report_date"] <= day
            ]
            if not candidates:
                rows.append(
                    (day, "", "", *triple, 0.0, 0.0, 0.0, *(float(group[k]) for k in CRM_KEYS))
                )
                continue
            for i, weight in _weights(ads_rows, candidates, day, model, half_life).items():
                for n, k in enumerate(CRM_KEYS):
                    credit[i][n] += group[k] * weight
        for i, r in enumerate(ads_rows):
            rows.append(
                (
                    r["report_date"],
                    r["channel"],
                    r["campaign_id"],
                    *r["triple"],
                    r["clicks"],
                    r["impressions"],
                    r["cost"],
                    *credit[i],
                )
            )
        return sorted(rows)

    def attribution(self, models, lookback: int = 0, half_life: float = 7.0) -> list[tuple]:
        """The comparison mart: (attribution_model, *campaign row) for each of `models`."""
        return sorted(
            (model, *row) for model in models for row in self.campaign(model, lookback, half_life)
        )

    def tracking_health(self) -> list[tuple]:
        """(report_date, triple..., spend, clicks, leads, revenue, status, suggested_triple)."""
        ads: dict[tuple, list[float]] = defaultdict(lambda: [0.0, 0.0])
        for row in self._ads_rows():
            sums = ads[(row["report_date"], row["triple"])]
            sums[0] += row["cost"]
            sums[1] += row["clicks"]
        crm = self._crm_groups()
        rows = []
        for key in set(ads) | set(crm):
            day, triple = key
            spend, clicks = ads.get(key, [0.0, 0.0])
            group = crm.get(key)
            leads, revenue = (group["leads"], group["revenue"]) if group else (0, 0.0)
            suggestion = None
            if key in ads:
                status = "matched" if group else "spend_without_crm"
            else:
                status = "crm_without_ads"
                others = [
                    (-sums[1], "/".join(t))
                    for (d, t), sums in ads.items()
                    if d == day and t[0] == triple[0] and t != triple
                ]
                suggestion = min(others)[1] if others else None
            rows.append((day, *triple, spend, clicks, leads, revenue, status, suggestion))
        return sorted(rows)


CRM_KEYS = ("leads", "opportunities", "closed_won", "revenue")


def _click_share(ads_rows: list[dict], members: list[int]) -> dict[int, float]:
    """clicks / the set's clicks, or equal shares when they sum to 0."""
    total = sum(ads_rows[i]["clicks"] for i in members)
    return {i: ads_rows[i]["clicks"] / total if total else 1 / len(members) for i in members}


def _weights(
    ads_rows: list[dict], candidates: list[int], day: dt.date, model: str, half_life: float
) -> dict[int, float]:
    """The weight of each candidate row of a group of `day` under `model` (they sum to 1)."""
    if model == "click_share":
        return _click_share(ads_rows, candidates)
    days = sorted({ads_rows[i]["report_date"] for i in candidates})
    on = {d: [i for i in candidates if ads_rows[i]["report_date"] == d] for d in days}
    if model == "last_touch":
        return _click_share(ads_rows, on[days[-1]])
    if model == "first_touch":
        return _click_share(ads_rows, on[days[0]])
    if model == "linear":
        day_weight = {d: 1 / len(days) for d in days}
    elif model == "time_decay":
        factor = {d: 2 ** (-(day - d).days / half_life) for d in days}
        day_weight = {d: f / sum(factor.values()) for d, f in factor.items()}
    else:
        raise ValueError(model)
    return {
        i: day_weight[d] * share for d in days for i, share in _click_share(ads_rows, on[d]).items()
    }
