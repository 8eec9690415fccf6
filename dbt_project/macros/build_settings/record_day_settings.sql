{#- Records the day settings after a whole build or run that succeeded (on-run-end): a first
    build, a full refresh, or a build under the recorded settings (which changes nothing). -#}
{% macro record_day_settings(results) -%}
    {{ return(adapter.dispatch('record_day_settings', 'admira')(results)) }}
{%- endmacro %}

{% macro default__record_day_settings(results) -%}
{%- endmacro %}

{% macro duckdb__record_day_settings(results) -%}
    {%- set failed = results | selectattr('status', 'in', ['error', 'fail', 'runtime error'])
        | list -%}
    {%- if execute and flags.WHICH in ('build', 'run') and not flags.SELECT and not failed -%}
        {%- do run_query("create schema if not exists audit") -%}
        {%- do run_query(
            "create table if not exists audit.build_settings ("
            ~ "setting varchar primary key, value varchar not null, "
            ~ "recorded_at timestamp with time zone not null)"
        ) -%}
        {%- for name, value in day_settings().items() -%}
            {%- do run_query(
                "insert or replace into audit.build_settings values ('" ~ name ~ "', '"
                ~ (value | string | replace("'", "''")) ~ "', now())"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{#- Spark: the same settings in a small Parquet table, replaced whole. -#}
{% macro spark__record_day_settings(results) -%}
    {%- set failed = results | selectattr('status', 'in', ['error', 'fail', 'runtime error'])
        | list -%}
    {%- if execute and flags.WHICH in ('build', 'run') and not flags.SELECT and not failed -%}
        {%- do run_query("create schema if not exists audit") -%}
        {%- do run_query(
            "create table if not exists audit.build_settings ("
            ~ "setting string, value string, recorded_at timestamp) using parquet"
        ) -%}
        {%- set rows = [] -%}
        {%- for name, value in day_settings().items() -%}
            {%- do rows.append(
                "('" ~ name ~ "', '" ~ (value | string | replace("'", "''"))
                ~ "', current_timestamp())"
            ) -%}
        {%- endfor -%}
        {%- do run_query(
            "insert overwrite table audit.build_settings values " ~ rows | join(', ')
        ) -%}
    {%- endif -%}
{%- endmacro %}
