{#- The settings that decide which day a row counts on, recorded with the marts they built.

    A warehouse built under one reporting zone and then built incrementally under another
    would keep rows on days only the old zone produced. So the build records these settings in
    audit.build_settings; `make build` compares them first and rebuilds every day when one
    changed (warehouse/build.py), and a plain `dbt build` under changed settings stops, saying
    what to run. Add a setting here when it changes which day or row a measure counts on. -#}
{% macro day_settings() -%}
    {{ return({'reporting_timezone': var('reporting_timezone')}) }}
{%- endmacro %}

{% macro check_day_settings() -%}
    {{ return(adapter.dispatch('check_day_settings', 'admira')()) }}
{%- endmacro %}

{% macro default__check_day_settings() -%}
{%- endmacro %}

{% macro duckdb__check_day_settings() -%}
    {%- if execute and flags.WHICH in ('build', 'run') and not flags.FULL_REFRESH -%}
        {%- set recorded = recorded_day_settings() -%}
        {%- for name, value in day_settings().items() -%}
            {%- if name in recorded and recorded[name] != value | string -%}
                {{ exceptions.raise_compiler_error(
                    "The marts were built with " ~ name ~ "=" ~ recorded[name] ~ ", this build has "
                    ~ value ~ ": run `make build` (it rebuilds every day) or `dbt build "
                    ~ "--full-refresh`."
                ) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{#- Record the settings after a whole build or run that succeeded: a first build, a full
    refresh, or a build under the recorded settings (which changes nothing). -#}
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

{% macro recorded_day_settings() -%}
    {%- set table = adapter.get_relation(
        database=target.database, schema='audit', identifier='build_settings'
    ) -%}
    {%- if table is none -%}
        {{ return({}) }}
    {%- endif -%}
    {%- set recorded = {} -%}
    {%- for row in run_query('select setting, value from audit.build_settings').rows -%}
        {%- do recorded.update({row[0]: row[1]}) -%}
    {%- endfor -%}
    {{ return(recorded) }}
{%- endmacro %}
