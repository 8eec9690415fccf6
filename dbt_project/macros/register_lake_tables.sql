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
        {% set ads_performance %}
            create or replace view raw.ads_performance as
            with

            versions as (

                select * from parquet.`{{ raw }}/ads_performance`

            ),

            newest_load_per_day as (

                select report_date, max(_dlt_load_id) as _dlt_load_id
                from versions
                group by report_date

            )

            select versions.*
            from versions
            left semi join newest_load_per_day
                on versions.report_date = newest_load_per_day.report_date
                and versions._dlt_load_id = newest_load_per_day._dlt_load_id
            where not coalesce(versions.is_window_tombstone, false)
        {% endset %}
        {% do run_query(ads_performance) %}
        {% set crm_opportunities %}
            create or replace view raw.crm_opportunities as
            with

            versions as (

                select * from parquet.`{{ raw }}/crm_opportunities`

            ),

            newest_load_per_opportunity as (

                select opportunity_id, max(_dlt_load_id) as _dlt_load_id
                from versions
                group by opportunity_id

            )

            select versions.*
            from versions
            left semi join newest_load_per_opportunity
                on versions.opportunity_id = newest_load_per_opportunity.opportunity_id
                and versions._dlt_load_id = newest_load_per_opportunity._dlt_load_id
        {% endset %}
        {% do run_query(crm_opportunities) %}
    {%- endif -%}
{%- endmacro %}
