{#- The KPI ratios of var kpi_ratios (dbt_project.yml), declared once for every mart and the
    Python readers: `safe_divide(numerator, denominator) as name`, comma-separated. -#}
{% macro kpi_ratios() -%}
    {%- for ratio in var('kpi_ratios') -%}
        {{ safe_divide(ratio.numerator, ratio.denominator) }} as {{ ratio.name }}
        {%- if not loop.last %},
        {% endif -%}
    {%- endfor -%}
{%- endmacro %}
