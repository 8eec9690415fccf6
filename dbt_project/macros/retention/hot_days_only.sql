{#- The condition that keeps the rows of archived months out of the warehouse's models. -#}
{% macro hot_days_only(date_column) -%}
    {%- set months = archived_months() -%}
    {%- if months -%}
        {{ dbt.date_trunc('month', date_column) }} not in (
            {%- for month in months %}{{ ', ' if not loop.first }}cast('{{ month }}' as date)
            {%- endfor -%}
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
