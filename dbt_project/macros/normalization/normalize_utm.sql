{#- UTM values: trimmed, lower case; null, empty or blank become 'unknown' (CONTRACT §2).
    An e-mail-shaped value becomes a pseudonym (macro redact_email_like). -#}
{% macro normalize_utm(expression) -%}
    {{ redact_email_like(
        "coalesce(nullif(lower(" ~ trim_whitespace(expression) ~ "), ''), 'unknown')"
    ) }}
{%- endmacro %}
