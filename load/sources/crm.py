"""The CRM API: opportunities with their stage, amount and UTMs.

Raw tables (dataset `raw`):
- `crm_opportunities`: the current version of each opportunity, merged (upsert) on
  `opportunity_id`, so a stage progression updates the old row (CONTRACT §3).
- `crm_opportunities_history`: every accepted version of every load (append only). dbt reads it
  to find the report days an updated opportunity used to count on.
"""

from __future__ import annotations

from load import schemas
from load.sources.declaration import UTM_FIELDS, Field, Kind, Source, Upsert

CRM = Source(
    name="crm",
    fields=(
        Field("opportunity_id", Kind.IDENTIFIER),
        Field("contact_email", Kind.PERSONAL_EMAIL),
        Field("stage", Kind.TEXT),
        Field("amount", Kind.MEASURE),
        Field("created_at", Kind.TIMESTAMP),
        *UTM_FIELDS,
    ),
    key=("opportunity_id",),
    # The instant's day in the reporting time zone (REPORTING_TIMEZONE).
    day_of="created_at",
    landing=Upsert(by="opportunity_id"),
    list_path=("external", "crm", "opportunities"),
    url=lambda settings: settings.crm_url,  # CRM_API_URL
    contract=schemas.CRM,  # "crm.v1", contracts/crm.v1.json
    table="crm_opportunities",
    history_table="crm_opportunities_history",
)
