"""Seeded generator of realistic, dirty Ads and CRM payloads in the API envelope (CONTRACT §1).

Used for the sample shipped in `load/sample/` and for the benchmark. The same seed and sizes give
the same bytes. Every dirty case of CONTRACT §2 appears at a realistic rate: case and space
variants, missing and blank UTMs, negatives, numeric strings, timestamps as Ads dates, offsets
that cross midnight, naive timestamps, duplicates (last wins), unknown stages, and ~1% records
that must be rejected.

    python -m bench.generate_payloads --ads-rows 600 --crm-rows 400 --days 42 --out load/sample
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
from dataclasses import dataclass
from pathlib import Path

import orjson

CHANNELS = {
    "google_ads": ("google", "cpc"),
    "meta_ads": ("facebook", "paid_social"),
    "tiktok_ads": ("tiktok", "cpm"),
    "linkedin_ads": ("linkedin", "paid_social"),
    "bing_ads": ("bing", "cpc"),
}
THEMES = [
    "back_to_school",
    "summer_sale",
    "fall_sale",
    "black_friday",
    "brand",
    "retargeting",
    "spring_launch",
    "webinar",
    "free_trial",
    "holiday",
]
STAGES = (
    ["lead"] * 50
    + ["opportunity"] * 22
    + ["closed_won"] * 13
    + ["closed_lost"] * 12
    + ["qualified", "Closed_Won ", " LEAD"]
)
BAD_RATE = 0.01


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    channel: str
    utm_campaign: str
    utm_source: str
    utm_medium: str
    cpc: float


def campaigns_for(rows_per_day: int, rng: random.Random) -> list[Campaign]:
    """Enough campaigns for the daily rows; pairs share a UTM triple (click-share splits)."""
    result = []
    channels = list(CHANNELS)
    for i in range(max(4, rows_per_day)):
        channel = channels[i % len(channels)]
        source, medium = CHANNELS[channel]
        theme = f"{THEMES[(i // 2) % len(THEMES)]}_{i // (2 * len(THEMES))}"
        if i % 2 and i > 0:  # odd campaigns reuse the previous triple on another channel
            prev = result[-1]
            result.append(
                Campaign(
                    f"C-{1000 + i}",
                    prev.channel,
                    prev.utm_campaign,
                    prev.utm_source,
                    prev.utm_medium,
                    round(rng.uniform(0.1, 2), 2),
                )
            )
            continue
        result.append(
            Campaign(
                f"C-{1000 + i}", channel, theme, source, medium, round(rng.uniform(0.1, 2.0), 2)
            )
        )
    return result


def _messy(text: str, rng: random.Random) -> str:
    """Case and white-space variants of a value that normalizes back to `text`."""
    roll = rng.random()
    if roll < 0.3:
        return text.upper()
    if roll < 0.6:
        return f" {text.title()} "
    if roll < 0.8:
        return f"\t{text}\n"
    return f"{text}\u00a0"


def _utm(value: str, rng: random.Random) -> object:
    roll = rng.random()
    if roll < 0.01:
        return rng.choice([None, "", "   ", "\t"])
    if roll < 0.03:
        return _messy(value, rng)
    return value


def ads_record(day: dt.date, campaign: Campaign, rng: random.Random) -> dict:
    clicks = max(0, int(rng.gauss(120, 60)))
    record: dict = {
        "date": day.isoformat(),
        "campaign_id": campaign.campaign_id,
        "channel": campaign.channel,
        "clicks": clicks,
        "impressions": clicks * rng.randint(20, 60),
        "cost": round(clicks * campaign.cpc * rng.uniform(0.8, 1.2), 2),
        "utm_campaign": _utm(campaign.utm_campaign, rng),
        "utm_source": _utm(campaign.utm_source, rng),
        "utm_medium": _utm(campaign.utm_medium, rng),
    }
    roll = rng.random()
    if roll < 0.02:
        record["channel"] = _messy(campaign.channel, rng)
    elif roll < 0.025:
        record[rng.choice(["clicks", "impressions", "cost"])] = -rng.randint(1, 50)
    elif roll < 0.03:
        record["clicks"] = str(record["clicks"])  # numeric strings are numbers
    elif roll < 0.033:
        record["date"] = f"{day.isoformat()}T{rng.randint(0, 23):02d}:15:00Z"
    elif roll < 0.035:
        del record["utm_source"]
    elif roll < 0.037:
        record["cost"] = None
    if rng.random() < BAD_RATE:
        record.update(
            rng.choice(
                [
                    {"date": None},
                    {"date": "2025-13-01"},
                    {"date": "yesterday"},
                    {"campaign_id": "  "},
                    {"channel": None},
                    {"clicks": "abc"},
                    {"cost": True},
                    {"impressions": {"n": 1}},
                ]
            )
        )
    return record


def crm_record(day: dt.date, number: int, campaigns: list[Campaign], rng: random.Random) -> dict:
    campaign = rng.choice(campaigns)
    triple = (campaign.utm_campaign, campaign.utm_source, campaign.utm_medium)
    if rng.random() < 0.04:  # no Ads that day: the unattributed row
        triple = ("newsletter_" + rng.choice(THEMES), "newsletter", "email")
    stage = rng.choice(STAGES)
    won = stage.strip().lower() == "closed_won"
    seconds = rng.randint(0, 86399)
    moment = dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)
    roll = rng.random()
    if roll < 0.6:
        created_at = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    elif roll < 0.75:
        created_at = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{rng.randint(0, 999):03d}Z"
    elif roll < 0.9:  # an offset that can move the UTC day across midnight
        offset = rng.choice([-5, -3, 2, 9])
        local = moment + dt.timedelta(hours=offset)
        sign = "+" if offset >= 0 else "-"
        created_at = local.strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{abs(offset):02d}:00"
    else:
        created_at = moment.strftime("%Y-%m-%d %H:%M:%S")  # naive: UTC
    record: dict = {
        "opportunity_id": f"O-{number}",
        "contact_email": f"{rng.choice(['ana', 'bob', 'carl', 'dora', 'eve'])}{number}@example.com",
        "stage": stage,
        "amount": round(rng.uniform(100, 10000), 2) if won else rng.choice([0, 0, 0, 250.0]),
        "created_at": created_at,
        "utm_campaign": _utm(triple[0], rng),
        "utm_source": _utm(triple[1], rng),
        "utm_medium": _utm(triple[2], rng),
    }
    roll = rng.random()
    if roll < 0.005:
        record["amount"] = -rng.randint(1, 100)
    elif roll < 0.01:
        record["amount"] = None
    elif roll < 0.015:
        record["amount"] = str(record["amount"])
    elif roll < 0.02:
        record["contact_email"] = f"  {record['contact_email'].upper()} "
    if rng.random() < BAD_RATE:
        record.update(
            rng.choice(
                [
                    {"created_at": ""},
                    {"created_at": None},
                    {"created_at": "not a date"},
                    {"opportunity_id": ""},
                    {"amount": "n/a"},
                    {"created_at": "2025-02-30T10:00:00Z"},
                ]
            )
        )
    return record


def write_envelope(path: Path, system: str, list_key: str, records) -> int:
    """Write records as {"external": {system: {list_key: [...]}}}, one record per line."""
    count = 0
    with open(path, "wb") as out:
        out.write(b'{"external": {"%s": {"%s": [\n' % (system.encode(), list_key.encode()))
        for record in records:
            out.write((b",\n" if count else b"") + orjson.dumps(record))
            count += 1
        out.write(b"\n]}}}\n")
    return count


def generate(
    out_dir: Path,
    ads_rows: int,
    crm_rows: int,
    start: dt.date,
    days: int,
    seed: int = 42,
    first_opportunity: int = 1,
    campaign_seed: int | None = None,
    sources: tuple[str, ...] = ("ads", "crm"),
) -> tuple[Path, Path]:
    """Write ads.json and crm.json for `days` days from `start`; return their paths.

    `campaign_seed` (default `seed`) fixes the campaign universe, so a later payload (one more
    day, a restated week) can use the same campaigns with other daily numbers. `sources` writes
    only some of the files: each one alone is reproducible too, so they can be written in
    parallel (the default, both in one pass, gives the bytes of the shipped sample).
    """
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    ads_per_day = max(1, math.ceil(ads_rows / days))
    campaigns = campaigns_for(
        ads_per_day, random.Random(seed if campaign_seed is None else campaign_seed)
    )

    def ads_records():
        emitted = 0
        for offset in range(days):
            day = start + dt.timedelta(days=offset)
            for campaign in campaigns[: min(ads_per_day, ads_rows - emitted)]:
                record = ads_record(day, campaign, rng)
                yield record
                emitted += 1
                if rng.random() < 0.005:  # a restated duplicate: the later one wins
                    yield {
                        **record,
                        "clicks": record["clicks"],
                        "cost": round(rng.uniform(1, 99), 2),
                    }

    def crm_records():
        per_day = max(1, math.ceil(crm_rows / days))
        number = first_opportunity
        for offset in range(days):
            day = start + dt.timedelta(days=offset)
            for _ in range(min(per_day, crm_rows - (number - first_opportunity))):
                record = crm_record(day, number, campaigns, rng)
                yield record
                if rng.random() < 0.01:  # the same opportunity again, further down the funnel
                    yield {**record, "stage": "closed_won", "amount": 1500.0}
                number += 1

    ads_path, crm_path = out_dir / "ads.json", out_dir / "crm.json"
    if "ads" in sources:
        write_envelope(ads_path, "ads", "performance", ads_records())
    if "crm" in sources:
        write_envelope(crm_path, "crm", "opportunities", crm_records())
    return ads_path, crm_path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate_payloads",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--ads-rows", type=int, default=600)
    parser.add_argument("--crm-rows", type=int, default=400)
    parser.add_argument("--days", type=int, default=42)
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2025, 7, 1))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    ads_path, crm_path = generate(
        args.out, args.ads_rows, args.crm_rows, args.start, args.days, args.seed
    )
    print(f"wrote {ads_path} and {crm_path}")


if __name__ == "__main__":
    main()
