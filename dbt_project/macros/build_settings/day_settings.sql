{#- The settings that decide which day a row counts on, recorded with the marts they built
    (audit.build_settings): a change rebuilds every day. Add a setting here when it changes
    which day or row a measure counts on; warehouse/build.py keeps the same list (and writes
    the values as these do: 3, click_share, 7.0). -#}
{% macro day_settings() -%}
    {%- set attribution = attribution_settings() -%}
    {{ return({
        'reporting_timezone': var('reporting_timezone'),
        'attribution_lookback_days': attribution.lookback_days,
        'attribution_model': attribution.model,
        'attribution_half_life_days': attribution.half_life_days,
    }) }}
{%- endmacro %}
