{#- Which raw CRM rows an incremental build of stg_crm__opportunities reads. -#}
{% macro opportunities_to_rebuild_condition(target_relation) -%}
    {{ return(adapter.dispatch('opportunities_to_rebuild_condition', 'admira')(target_relation)) }}
{%- endmacro %}

{#- DuckDB (delete+insert on opportunity_id): the versions of loads newer than the table's. -#}
{% macro default__opportunities_to_rebuild_condition(target_relation) -%}
    _dlt_load_id > (select coalesce(max(seen.load_id), '') from {{ target_relation }} as seen)
{%- endmacro %}

{#- Spark (the days' partitions rewritten): every current opportunity of the days the new CRM
    loads touched (days_to_rebuild_condition), so each rewritten day holds all its rows. The
    compacted raw table is partitioned by created_day, the date the created_at text starts
    with, which is within two days of the report day in any zone: those partitions are read. -#}
{% macro spark__opportunities_to_rebuild_condition(target_relation) -%}
    {%- set days = days_to_rebuild_condition(
        target_relation, date_column='__day__', load_id_column='load_id', source='crm',
    ) -%}
    (
        {%- for shift in range(-2, 3) %}
        ({{ days | replace('__day__', 'date_add(created_day, ' ~ shift ~ ')') }}) or
        {%- endfor %}
        created_day is null
    )
    and ({{ days | replace('__day__', report_date('created_at')) }})
{%- endmacro %}
