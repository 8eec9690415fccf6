{#- The days an incremental model rebuilds: those that raw loads newer than its newest load id
    touched (int_days_touched_by_loads), and those on or after var since. So a build after any
    load gives what a full refresh gives. With spread='attribution' (the models that hold CRM
    credit) and a lookback k > 0, a touched CRM day D spreads to D-k..D, the days its group's
    credit lands on, and a touched Ads day d to d-k..d+k, the days the groups of d..d+k (those
    it is a candidate of) land on (CONTRACT §3, §4). -#}
{% macro days_to_rebuild_condition(
    target_relation,
    date_column='report_date',
    load_id_column='source_load_id',
    source=none,
    spread=none
) -%}
    {%- set touched_query -%}
        select report_date, source
        from {{ ref('int_days_touched_by_loads') }}
        where load_id > (
            select coalesce(max({{ load_id_column }}), '') from {{ target_relation }}
        )
        {%- if source %} and source = '{{ source }}'{% endif %}
    {%- endset -%}
    {%- set k = attribution_settings().lookback_days if spread == 'attribution' else 0 -%}
    {%- if k > 0 -%}
        {%- set spans -%}
            (
                select
                    source,
                    cast({{ dbt.dateadd('day', -k, 'report_date') }} as date) as first_day,
                    cast({{ dbt.dateadd(
                        'day', "case when source = 'ads' then " ~ k ~ " else 0 end", 'report_date'
                    ) }} as date) as last_day
                from ({{ touched_query }}) as touched
            ) as touched_spans
        {%- endset -%}
        {%- set days_query -%}
            select distinct report_date
            from ({{ days_between(spans, 'first_day', 'last_day', ['source']) }}) as spread_days
        {%- endset -%}
    {%- else -%}
        {%- set days_query -%}
            select distinct report_date from ({{ touched_query }}) as touched
        {%- endset -%}
    {%- endif -%}
    {#- Unit tests (fixtures as inputs) get the subquery; builds get constants (days_in). -#}
    {%- if execute and model.resource_type != 'unit_test' %}
    {{ days_in(date_column, days_query) }}
    {%- else %}
    {{ date_column }} in ({{ days_query }})
    {%- endif %}
    {%- if var('since') %}
    or {{ date_column }} >= cast('{{ since_date() }}' as date)
    {%- endif %}
{%- endmacro %}
