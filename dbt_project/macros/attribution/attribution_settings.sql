{#- The attribution settings, checked: {'lookback_days': int, 'model': str, 'half_life_days':
    float}. A bad value stops the build with one line naming the setting (CONTRACT §4). -#}
{% macro attribution_settings() -%}
    {%- set lookback = var('attribution_lookback_days') | string | trim -%}
    {%- set model = var('attribution_model') | string | trim -%}
    {%- set half_life = var('attribution_half_life_days') | string | trim -%}
    {%- if not modules.re.fullmatch('[0-9]+', lookback) -%}
        {{ exceptions.raise_compiler_error(
            "ATTRIBUTION_LOOKBACK_DAYS (var attribution_lookback_days) must be a whole number "
            ~ ">= 0, got '" ~ lookback ~ "'"
        ) }}
    {%- endif -%}
    {%- if model not in var('attribution_models') -%}
        {{ exceptions.raise_compiler_error(
            "ATTRIBUTION_MODEL (var attribution_model) must be one of "
            ~ var('attribution_models') | join(', ') ~ ", got '" ~ model ~ "'"
        ) }}
    {%- endif -%}
    {%- if not modules.re.fullmatch('[0-9]+([.][0-9]+)?', half_life)
        or half_life | float <= 0 -%}
        {{ exceptions.raise_compiler_error(
            "ATTRIBUTION_HALF_LIFE_DAYS (var attribution_half_life_days) must be a number of "
            ~ "days > 0, got '" ~ half_life ~ "'"
        ) }}
    {%- endif -%}
    {{ return({
        'lookback_days': lookback | int,
        'model': model,
        'half_life_days': half_life | float,
    }) }}
{%- endmacro %}
