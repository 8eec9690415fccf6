{#- CONTRACT §4, attribution: the campaign-day rows (Ads rows with their credit, and one
    unattributed row per CRM group with no candidate) under each of `models`, with a column
    attribution_model. A CRM group g = (D, triple) has as candidates the Ads rows of its triple
    on days D-k..D; each model weighs them (summing to 1) and the credit lands on the Ads row's
    own day. One pass: each Ads row is copied onto the k+1 group days it is a candidate of and
    stacked with the CRM groups, window sums per group day and triple give every weight; a
    row sums its credit as one column per model and measure, then becomes one row per model.
    With k = 0 a row's group day is its own day and no copy is made, so a filter on report_date
    reaches the scans (as the single-day rule always did); every model is then click share. -#}
{% macro attributed_campaign_days(models) -%}
    {%- set settings = attribution_settings() -%}
    {%- set k = settings.lookback_days -%}
    {%- set h = settings.half_life_days -%}
    {%- set utms = var('utm_columns') -%}
    {%- set group_key = ['group_date'] + utms -%}
    {#- With k = 0 every model gives the same credit: computed once, then one row per model. -#}
    {%- set credited_models = models if k > 0 else models[:1] -%}
with

performance as (

    select * from {{ ref('stg_ads__performance') }}

),

crm_groups as (

    select * from {{ ref('int_crm_opportunities_aggregated_to_day_triple') }}

),

{%- if k > 0 %}

performance_spans as (

    select
        *,
        report_date as touch_date,
        cast({{ dbt.dateadd('day', k, 'report_date') }} as date) as last_group_date

    from performance

),

{#- Each Ads row on each group day it is a candidate of: touch_date .. touch_date + k. -#}
ads_candidates as (

    {{ days_between(
        'performance_spans', 'touch_date', 'last_group_date',
        ['touch_date', 'channel', 'campaign_id'] + utms + var('ads_measures') + ['load_id'],
    ) }}

),

{%- else %}

ads_candidates as (

    select *, report_date as touch_date from performance

),

{%- endif %}

stacked as (

    select
        report_date as group_date,
        touch_date,
        {{ column_list(utms) }},
        channel,
        campaign_id,
        clicks,
        {#- the row's own measures count once: on the copy of its own day -#}
        {%- for measure in var('ads_measures') %}
        case when report_date = touch_date then {{ measure }} else 0 end as own_{{ measure }},
        {%- endfor %}
        1 as ads_rows,
        0 as leads,
        0 as opportunities,
        0 as closed_won,
        {{ dbt.cast('0', type_double()) }} as revenue,
        load_id as ads_load_id,
        {{ dbt.cast('null', dbt.type_string()) }} as crm_load_id

    from ads_candidates

    union all

    select
        report_date as group_date,
        report_date as touch_date,
        {{ column_list(utms) }},
        '' as channel,
        '' as campaign_id,
        {{ dbt.cast('0', type_double()) }} as clicks,
        {%- for measure in var('ads_measures') %}
        {{ dbt.cast('0', type_double()) }} as own_{{ measure }},
        {%- endfor %}
        0 as ads_rows,
        leads,
        opportunities,
        closed_won,
        revenue,
        {{ dbt.cast('null', dbt.type_string()) }} as ads_load_id,
        load_id as crm_load_id

    from crm_groups

),

with_group_totals as (

    select
        *,
        sum(clicks) over candidate_group as group_clicks,
        sum(ads_rows) over candidate_group as group_rows,
        {%- for measure in var('crm_measures') %}
        sum({{ measure }}) over candidate_group as group_{{ measure }},
        {%- endfor %}
        max(crm_load_id) over candidate_group as group_crm_load_id,
        min(case when ads_rows = 1 then touch_date end) over candidate_group as first_day,
        max(case when ads_rows = 1 then touch_date end) over candidate_group as last_day,
        sum(clicks) over candidate_day as day_clicks,
        sum(ads_rows) over candidate_day as day_rows,
        row_number() over (
            partition by {{ column_list(group_key) }}, touch_date
            order by ads_rows desc, channel, campaign_id
        ) as row_in_day

    from stacked
    window
        candidate_group as (partition by {{ column_list(group_key) }}),
        candidate_day as (partition by {{ column_list(group_key) }}, touch_date)

),

with_day_weights as (

    {#- The candidate days of a group: how many, and the sum of their time-decay factors
        2^((d - last day) / h), which is 2^(-(D - d) / h) scaled so the latest day gives 1. -#}
    select
        *,
        sum(case when ads_rows = 1 and row_in_day = 1 then 1 else 0 end)
            over candidate_group as candidate_days,
        sum(case when ads_rows = 1 and row_in_day = 1 then decay else 0 end)
            over candidate_group as group_decay

    from (
        select
            *,
            {{ attribution_decay('touch_date', 'last_day', h) }} as decay
        from with_group_totals
    ) as decayed
    window candidate_group as (partition by {{ column_list(group_key) }})

),

credited as (

    {#- An Ads row's credit from one group under each model, a column per model and measure,
        or the group itself when it has no candidate (the unattributed row on its own day).
        With k = 0 the group day is the row's own day: selected as such, a filter on
        report_date passes the windows. -#}
    select
        {{ 'touch_date' if k > 0 else 'group_date' }} as report_date,
        channel,
        campaign_id,
        {{ column_list(utms) }},
        {%- for measure in var('ads_measures') %}
        own_{{ measure }} as {{ measure }},
        {%- endfor %}
        {%- for model_name in credited_models %}
        {%- for measure in var('crm_measures') %}
        case
            when ads_rows = 0 then {{ dbt.cast(measure, type_double()) }}
            else {{ attribution_credit(model_name, 'group_' ~ measure) }}
        end as {{ measure }}__{{ model_name }},
        {%- endfor %}
        {%- endfor %}
        case
            when ads_rows = 0 then crm_load_id
            when group_crm_load_id is null or ads_load_id > group_crm_load_id then ads_load_id
            else group_crm_load_id
        end as source_load_id

    from with_day_weights
    where ads_rows = 1 or group_rows = 0

),

{%- set credit_columns = [] %}
{%- for model_name in credited_models %}
{%- for measure in var('crm_measures') %}
{%- do credit_columns.append(measure ~ '__' ~ model_name) %}
{%- endfor %}
{%- endfor %}

per_row as (

    {%- if k > 0 %}
    {#- A row collects the credit of every group it is a candidate of. -#}
    select
        report_date,
        channel,
        campaign_id,
        {{ column_list(utms) }},
        {{ column_list(var('ads_measures') + credit_columns, 'sum({column}) as {column}') }},
        max(source_load_id) as source_load_id

    from credited
    group by report_date, channel, campaign_id, {{ column_list(utms) }}
    {%- else %}
    select * from credited
    {%- endif %}

),

attribution_models as (

    {%- for model_name in models %}
    {{ 'union all' if not loop.first }}
    select '{{ model_name }}' as attribution_model
    {%- endfor %}

),

final as (

    {#- One row per model: its columns of credit. -#}
    select
        attribution_models.attribution_model,
        per_row.report_date,
        per_row.channel,
        per_row.campaign_id,
        {{ column_list(utms, 'per_row.{column}') }},
        {{ column_list(var('ads_measures'), 'per_row.{column}') }},
        {%- for measure in var('crm_measures') %}
        {%- if credited_models | length == 1 %}
        per_row.{{ measure }}__{{ credited_models[0] }} as {{ measure }},
        {%- else %}
        case attribution_models.attribution_model
            {%- for model_name in credited_models %}
            when '{{ model_name }}' then per_row.{{ measure }}__{{ model_name }}
            {%- endfor %}
        end as {{ measure }},
        {%- endif %}
        {%- endfor %}
        per_row.source_load_id

    from per_row
    cross join attribution_models

)

select * from final
{%- endmacro %}


{#- 2^((day - latest_day) / h): the time-decay factor of a candidate day relative to the latest
    candidate day of its group (1 there, smaller before; never 0/0 however small h is). -#}
{% macro attribution_decay(day, latest_day, half_life_days) -%}
    power(
        2.0,
        {{ dbt.cast(dbt.datediff(latest_day, day, 'day'), type_double()) }}
        / {{ half_life_days }}
    )
{%- endmacro %}


{#- The part of a CRM group measure that one candidate Ads row gets under model_name (columns
    of attributed_campaign_days' with_day_weights). Multiplying before dividing keeps whole
    splits exact (4 leads x 1200 / 1500 clicks = 3.2); with k = 0 every model is that. -#}
{% macro attribution_credit(model_name, measure) -%}
    {%- set value = dbt.cast(measure, type_double()) -%}
    {%- set within_day -%}
        case
            when day_clicks = 0 then {{ value }} / day_rows
            else {{ value }} * clicks / day_clicks
        end
    {%- endset -%}
    {%- if model_name == 'click_share' -%}
        coalesce(
            case
                when group_clicks = 0 then {{ value }} / group_rows
                else {{ value }} * clicks / group_clicks
            end,
            0
        )
    {%- elif model_name == 'last_touch' -%}
        case when touch_date = last_day then coalesce({{ within_day }}, 0) else 0 end
    {%- elif model_name == 'first_touch' -%}
        case when touch_date = first_day then coalesce({{ within_day }}, 0) else 0 end
    {%- elif model_name == 'linear' -%}
        coalesce({{ within_day }} / candidate_days, 0)
    {%- elif model_name == 'time_decay' -%}
        coalesce({{ within_day }} * decay / group_decay, 0)
    {%- else -%}
        {{ exceptions.raise_compiler_error("unknown attribution model '" ~ model_name ~ "'") }}
    {%- endif -%}
{%- endmacro %}
