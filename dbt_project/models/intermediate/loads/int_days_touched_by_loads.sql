{#- Which report days each raw load touched: the input of the marts' day-selection rule
    (macro days_to_rebuild_condition). -#}
with

ads_windows as (

    select
        _dlt_load_id as load_id,
        window_start,
        window_end

    from {{ source('ads', 'ads_load_windows') }}

),

ads_window_days as (

    {{ days_between('ads_windows', 'window_start', 'window_end', ['load_id']) }}

),

crm_versions as (

    select
        _dlt_load_id as load_id,
        {{ trim_whitespace('opportunity_id') }} as opportunity_id,
        {{ report_date('created_at') }} as report_date

    from {{ source('crm', 'crm_opportunities_history') }}

),

{#- A new version of an opportunity touches the day it counts on now and every day an
    earlier version counted on. -#}
crm_days as (

    select
        new_version.load_id,
        any_version.report_date

    from crm_versions as new_version
    inner join crm_versions as any_version
        on new_version.opportunity_id = any_version.opportunity_id

),

final as (

    select load_id, report_date from ads_window_days
    union
    select load_id, report_date from crm_days

)

select * from final
