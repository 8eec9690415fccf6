-- depends_on: {{ ref('int_days_touched_by_loads') }}  (read on Spark by days_to_rebuild_condition)
{#- A table, not a view: the tests and every model downstream read it, so the history is
    normalized once. Each build replaces only the opportunities that a newer raw load upserted
    (on Spark: the days those loads touched, macro opportunities_to_rebuild_condition). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='opportunity_id',
    load_id_column='load_id',
    rebuild_source='crm',
    on_schema_change='fail',
) }}

with

source as (

    select * from {{ source('crm', 'crm_opportunities') }}
    {% if is_incremental() %}
    where {{ opportunities_to_rebuild_condition(this) }}
    {% endif %}

),

renamed as (

    select
        {{ redact_email_like(trim_whitespace('opportunity_id')) }} as opportunity_id,
        {{ hash_email('contact_email') }} as contact_email_hash,
        {{ redact_email_like(
            "coalesce(nullif(lower(" ~ trim_whitespace('stage') ~ "), ''), 'unknown')"
        ) }} as stage,
        {{ clamp_non_negative('amount') }} as amount,
        {{ report_date('created_at') }} as report_date,
        {{ normalize_utm('utm_campaign') }} as utm_campaign,
        {{ normalize_utm('utm_source') }} as utm_source,
        {{ normalize_utm('utm_medium') }} as utm_medium,
        _dlt_load_id as load_id,
        record_index,
        ingested_at

    from source

),

ranked as (

    select
        *,
        row_number() over (
            partition by opportunity_id
            order by load_id desc, record_index desc
        ) as version_rank

    from renamed

),

final as (

    select
        opportunity_id,
        contact_email_hash,
        stage,
        amount,
        report_date,
        utm_campaign,
        utm_source,
        utm_medium,
        load_id,
        ingested_at

    from ranked
    where version_rank = 1
        and {{ hot_days_only('report_date') }}  -- archived months stay in the lake

)

select * from final
