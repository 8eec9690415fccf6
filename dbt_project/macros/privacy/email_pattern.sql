{#- var email_pattern as a SQL string literal. DuckDB's and Spark's literals read a pattern
    without quotes and backslashes alike (Spark's take backslash escapes), so those are refused. -#}
{% macro email_pattern() -%}
    {%- set pattern = var('email_pattern') -%}
    {%- if "'" in pattern or "\\" in pattern -%}
        {{ exceptions.raise_compiler_error(
            "var email_pattern must have no quote and no backslash, got: " ~ pattern
        ) }}
    {%- endif -%}
    '{{ pattern }}'
{%- endmacro %}
