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

    def campaign(self) -> list[tuple]:
        """(report_date, channel, campaign_id, triple..., clicks, impressions, cost, leads,
        opportunities, closed_won, revenue), CRM split by click share."""
        by_group: dict[tuple, list[dict]] = defaultdict(list)
        for row in self._ads_rows():
            by_group[(row["report_date"], row["triple"])].append(row)
        crm = self._crm_groups()
        rows = []
        for key, members in by_group.items():
            total_clicks = sum(m["clicks"] for m in members)
            group = crm.get(key, {"leads": 0, "opportunities": 0, "closed_won": 0, "revenue": 0.0})
            for m in members:
                share = m["clicks"] / total_clicks if total_clicks else 1 / len(members)
                rows.append(
                    (
                        m["report_date"],
                        m["channel"],
                        m["campaign_id"],
                        *m["triple"],
                        m["clicks"],
                        m["impressions"],
                        m["cost"],
                        *(
                            group[k] * share
                            for k in ("leads", "opportunities", "closed_won", "revenue")
                        ),
                    )
                )
        for key, group in crm.items():
            if key not in by_group:
                rows.append(
                    (
                        key[0],
                        "",
                        "",
                        *key[1],
                        0.0,
                        0.0,
                        0.0,
                        float(group["leads"]),
                        float(group["opportunities"]),
                        float(group["closed_won"]),
                        group["revenue"],
                    )
                )
        return sorted(rows)
