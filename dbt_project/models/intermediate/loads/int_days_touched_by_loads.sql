{#- Which report days each raw load touched: the input of the marts' day-selection rule
    (macro days_to_rebuild_condition). A table that each build extends with the loads it has not
    seen, so the rule reads a small table instead of joining the whole CRM history each time. -#}
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}

with

ads_windows as (

    select
        _dlt_load_id as load_id,
        window_start,
        window_end

    from {{ source('ads', 'ads_load_windows') }}
    {% if is_incremental() %}
    where _dlt_load_id > (select coalesce(max(seen.load_id), '') from {{ this }} as seen)
    {% endif %}

),

ads_window_days as (

    {{ days_between('ads_windows', 'window_start', 'window_end', ['load_id']) }}

),

new_versions as (

    select
        _dlt_load_id as load_id,
        opportunity_id

    from {{ source('crm', 'crm_opportunities_history') }}
    {% if is_incremental() %}
    where _dlt_load_id > (select coalesce(max(seen.load_id), '') from {{ this }} as seen)
    {% endif %}

),

crm_days as (

    {#- A new version of an opportunity touches the day it counts on now and every day an
        earlier version counted on (computed after the join: only for those). The ids compare
        as the loader stored them, already trimmed (load/records.py): trimming the whole
        history again costs more than the rest of an incremental build. -#}
    select
        new_versions.load_id,
        {{ report_date('any_version.created_at') }} as report_date

    from new_versions
    inner join {{ source('crm', 'crm_opportunities_history') }} as any_version
        on new_versions.opportunity_id = any_version.opportunity_id

),

final as (

    select
        load_id,
        report_date,
        'ads' as source
    from ads_window_days

    union

    select
        load_id,
        report_date,
        'crm' as source
    from crm_days

)

select * from final
