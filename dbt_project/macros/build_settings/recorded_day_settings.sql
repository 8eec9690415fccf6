{#- The day settings audit.build_settings holds, as a dict; empty before the first build. -#}
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
