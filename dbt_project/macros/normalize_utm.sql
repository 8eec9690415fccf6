{#- UTM values: trimmed, lower case; null, empty or blank become 'unknown' (CONTRACT §2). -#}
{% macro normalize_utm(expression) -%}
    coalesce(nullif(lower({{ trim_whitespace(expression) }}), ''), 'unknown')
{%- endmacro %}
