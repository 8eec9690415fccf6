{#- A ratio that is NULL when the denominator is 0 or NULL: never NaN, Inf or a fake 0.
    A denominator so close to 0 that the ratio overflows (5e-324 clicks) counts as 0 too. -#}
{% macro safe_divide(numerator, denominator) -%}
    case
        when coalesce({{ denominator }}, 0) = 0 then null
        when abs(cast({{ numerator }} as {{ type_double() }}) / {{ denominator }}) > 1e300
            then null
        else cast({{ numerator }} as {{ type_double() }}) / {{ denominator }}
    end
{%- endmacro %}
