{#- The raw tables as the models read them (schema raw) on an engine that reads them from the
    lake; on-run-start. DuckDB: nothing to do, dlt merged them into the warehouse file. -#}
{% macro register_lake_tables() -%}
    {{ return(adapter.dispatch('register_lake_tables', 'admira')()) }}
{%- endmacro %}

{% macro default__register_lake_tables() -%}
{%- endmacro %}

{#- A view per raw table over its Parquet folder under <var lake_url>/raw/, read at query time,
    so a new load's files are seen without a refresh. The two tables dlt merges in DuckDB are
    logs of versions in the lake: their views keep what the merge keeps. -#}
{% macro spark__register_lake_tables() -%}
    {%- set lake = var('lake_url') | trim -%}
    {%- if not lake -%}
        {{ exceptions.raise_compiler_error(
            "var lake_url (env LAKE_URL) is empty: where is the lake?"
        ) }}
    {%- endif -%}
    {%- set raw = lake.rstrip('/') ~ '/raw' -%}
    {%- set appended_tables = [
        'ads_performance_history',
        'ads_load_windows',
        'crm_opportunities_history',
        'rejected_records',
    ] -%}
    {%- if execute -%}
        {% do run_query('create schema if not exists raw') %}
        {%- for table in appended_tables %}
            {% do run_query(
                'create or replace view raw.' ~ table
                ~ ' as select * from parquet.`' ~ raw ~ '/' ~ table ~ '`'
            ) %}
        {%- endfor %}
        {#- ads_performance: a delete-insert on report_date, without the tombstones that empty a
            day; crm_opportunities: an upsert on opportunity_id. -#}
        {% do run_query(newest_versions_view(raw, 'ads_performance', 'report_date',
            where='not coalesce(versions.is_window_tombstone, false)')) %}
        {% do run_query(newest_versions_view(raw, 'crm_opportunities', 'opportunity_id')) %}
    {%- endif -%}
{%- endmacro %}
