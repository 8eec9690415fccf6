{#- dbt's hook for a generic test's `where` config (the documented way to give it a dynamic
    value): the placeholder __rebuilt_days__ becomes tested_days_condition(). -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- set where = where | replace('__rebuilt_days__', tested_days_condition()) -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}
