{#- The raw tables as the models read them (source schema raw), on an engine that reads them
    from the lake. Runs at the start of every dbt run (on-run-start).

    DuckDB: nothing to do, dlt merged the raw tables straight into the warehouse file.
    Spark: dlt appended Parquet files under <var lake_url>/raw/<table>/ (load/destination.py).
    Each raw table becomes a view over its folder, read at query time, so the files of a new
    load are seen without a refresh. The two tables dlt merges in DuckDB are logs of versions in
    the lake; their views keep what the merge keeps:
    - ads_performance: for each report_date, the rows of the newest load that sent that day
      (a delete-insert on report_date), without the tombstones that empty a day;
    - crm_opportunities: for each opportunity_id, its version in the newest load (an upsert).
    Load ids compare as text, as everywhere in the models. -#}
{% macro register_lake_tables() -%}
    {{ return(adapter.dispatch('register_lake_tables', 'admira')()) }}
{%- endmacro %}

{% macro default__register_lake_tables() -%}
{%- endmacro %}

{% macro spark__register_lake_tables() -%}
    {%- set lake = var('lake_url') | trim -%}
    {%- if not lake -%}
        {{ exceptions.raise_compiler_error("var lake_url (env LAKE_URL) is empty: where is the lake?") }}
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
        {% do run_query(newest_versions_view(raw, 'ads_performance', 'report_date',
            where='not coalesce(versions.is_window_tombstone, false)')) %}
        {% do run_query(newest_versions_view(raw, 'crm_opportunities', 'opportunity_id')) %}
    {%- endif -%}
{%- endmacro %}

{#- A raw table as dlt's merge keeps it in DuckDB: for each key, the rows of the newest load that
    sent it (minus those `where` drops). -#}
{% macro newest_versions_view(raw, table, key, where='true') -%}
    create or replace view raw.{{ table }} as
    with

    versions as (

        select * from parquet.`{{ raw }}/{{ table }}`

    ),

    newest_load_per_key as (

        select {{ key }}, max(_dlt_load_id) as _dlt_load_id
        from versions
        group by {{ key }}

    )

    select versions.*
    from versions
    left semi join newest_load_per_key
        on versions.{{ key }} = newest_load_per_key.{{ key }}
        and versions._dlt_load_id = newest_load_per_key._dlt_load_id
    where {{ where }}
{%- endmacro %}
