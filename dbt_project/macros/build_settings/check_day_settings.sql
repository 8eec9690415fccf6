{#- Stops an incremental `dbt build` or `dbt run` under day settings other than those the marts
    were built with (on-run-start): it would keep rows on days only the old settings produced. -#}
{% macro check_day_settings() -%}
    {{ return(adapter.dispatch('check_day_settings', 'admira')()) }}
{%- endmacro %}

{% macro default__check_day_settings() -%}
{%- endmacro %}

{#- Spark builds by day partition too (macros/spark/): the same check. -#}
{% macro spark__check_day_settings() -%}
    {{ return(duckdb__check_day_settings()) }}
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
