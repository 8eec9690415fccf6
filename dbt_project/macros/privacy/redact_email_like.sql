{#- A dimension value that looks like an e-mail address (a hostile or careless upstream can put
    one in a UTM or an id) becomes a stable pseudonym: no model after raw shows an address, and
    distinct values stay distinct. -#}
{% macro redact_email_like(expression) -%}
    {{ return(adapter.dispatch('redact_email_like', 'admira')(expression)) }}
{%- endmacro %}

{% macro default__redact_email_like(expression) -%}
    case
        when {{ expression }} rlike {{ email_pattern() }}
            then concat('redacted:', left(sha2({{ expression }}, 256), 16))
        else {{ expression }}
    end
{%- endmacro %}

{% macro duckdb__redact_email_like(expression) -%}
    case
        when regexp_matches({{ expression }}, {{ email_pattern() }})
            then 'redacted:' || left(sha256({{ expression }}), 16)
        else {{ expression }}
    end
{%- endmacro %}
