{#- Personal data leaves the raw layer only as a SHA-256 of the trimmed, lower-cased address. -#}
{% macro hash_email(expression) -%}
    {{ return(adapter.dispatch('hash_email', 'admira')(expression)) }}
{%- endmacro %}

{% macro default__hash_email(expression) -%}
    sha2(lower({{ trim_whitespace(expression) }}), 256)
{%- endmacro %}

{% macro duckdb__hash_email(expression) -%}
    sha256(lower({{ trim_whitespace(expression) }}))
{%- endmacro %}
