{#- The raw tables as the models read them (schema raw) on an engine that reads them from the
    lake; on-run-start. DuckDB: nothing to do, dlt merged them into the warehouse file. -#}
{% macro register_lake_tables() -%}
    {{ return(adapter.dispatch('register_lake_tables', 'admira')()) }}
{%- endmacro %}

{% macro default__register_lake_tables() -%}
{%- endmacro %}

{#- A view per appended raw table over its Parquet folder under <var lake_url>/raw/, read at
    query time. The two tables dlt merges in DuckDB are logs of versions in the lake: each is
    compacted into a current-state table, raw.<table>, that keeps what the merge keeps. -#}
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
        {% do compact_lake(raw) %}
    {%- endif -%}
{%- endmacro %}

{#- The compacted current state of the two logs (compact_raw_log); `make compact-lake` runs it
    alone (dbt run-operation compact_lake). ads_performance: for each report_date the rows of
    the newest load that sent it, window tombstones included (staging drops them), one
    partition per day; crm_opportunities: for each opportunity_id its newest version, one
    partition per created_day, the date its created_at text starts with. -#}
{% macro compact_lake(raw=none) -%}
    {%- set raw = raw or ((var('lake_url') | trim).rstrip('/') ~ '/raw') -%}
    {% do run_query('create schema if not exists raw') %}
    {% do run_query(
        'create table if not exists raw.lake_compactions'
        ~ ' (table_name string, load_id string, compacted_at timestamp) using parquet'
    ) %}
    {% do compact_raw_log(raw, 'ads_performance', 'report_date', 'report_date') %}
    {% do compact_raw_log(
        raw, 'crm_opportunities', 'opportunity_id', 'created_day',
        'try_cast(substr(created_at, 1, 10) as date)',
    ) %}
{%- endmacro %}
