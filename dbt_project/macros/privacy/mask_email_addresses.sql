{#- Every part of a text that looks like an e-mail address (var email_pattern) becomes
    '<email>'. -#}
{% macro mask_email_addresses(expression) -%}
    {{ return(adapter.dispatch('mask_email_addresses', 'admira')(expression)) }}
{%- endmacro %}

{% macro default__mask_email_addresses(expression) -%}
    regexp_replace({{ expression }}, {{ email_pattern() }}, '<email>', 'g')
{%- endmacro %}

{#- Spark replaces every match without a flag. -#}
{% macro spark__mask_email_addresses(expression) -%}
    regexp_replace({{ expression }}, {{ email_pattern() }}, '<email>')
{%- endmacro %}
