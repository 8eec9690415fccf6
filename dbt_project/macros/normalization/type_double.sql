{#- A 64-bit float: dbt's type_float() is a 32-bit FLOAT on DuckDB, too coarse for money. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'admira')()) }}
{%- endmacro %}

{% macro default__type_double() -%}double precision{%- endmacro %}

{% macro duckdb__type_double() -%}double{%- endmacro %}

{% macro spark__type_double() -%}double{%- endmacro %}
