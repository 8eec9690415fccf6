{#- The settings that decide which day a row counts on, recorded with the marts they built
    (audit.build_settings): a change rebuilds every day. Add a setting here when it changes
    which day or row a measure counts on; warehouse/build.py keeps the same list. -#}
{% macro day_settings() -%}
    {{ return({'reporting_timezone': var('reporting_timezone')}) }}
{%- endmacro %}
