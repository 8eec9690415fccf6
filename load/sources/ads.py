"""The Ads API: daily performance per campaign and channel.

Raw tables (dataset `raw`):
- `ads_performance`: the current rows, one per (report_date, channel, campaign_id). Loaded with
  dlt's delete-insert merge on `report_date`, so every day of the load's window is replaced by
  what the source just returned (CONTRACT §3); days outside the window are untouched.
- `ads_performance_history`: every accepted row of every load (append only), for audit.
- `ads_load_windows`: the window each load replaced (append only); dbt rebuilds those days.
"""

from __future__ import annotations

from load import schemas
from load.sources.declaration import UTM_FIELDS, Field, Kind, Source, WindowReplacement

ADS = Source(
    name="ads",
    fields=(
        Field("date", Kind.DATE_AS_WRITTEN, column="report_date"),
        Field("campaign_id", Kind.IDENTIFIER),
        Field("channel", Kind.LABEL),
        Field("clicks", Kind.COUNT),
        Field("impressions", Kind.COUNT),
        Field("cost", Kind.MEASURE),
        *UTM_FIELDS,
    ),
    key=("report_date", "channel", "campaign_id"),
    day_of="date",
    landing=WindowReplacement(by="report_date", windows_table="ads_load_windows"),
    list_path=("external", "ads", "performance"),
    url=lambda settings: settings.ads_url,  # ADS_API_URL
    contract=schemas.ADS,  # "ads.v1", contracts/ads.v1.json
    table="ads_performance",
    history_table="ads_performance_history",
)
