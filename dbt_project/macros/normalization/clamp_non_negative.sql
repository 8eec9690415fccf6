{#- Measures: missing becomes 0 and negatives become 0 (CONTRACT §2). -#}
{% macro clamp_non_negative(expression) -%}
    greatest(coalesce(cast({{ expression }} as {{ type_double() }}), 0), 0)
{%- endmacro %}
