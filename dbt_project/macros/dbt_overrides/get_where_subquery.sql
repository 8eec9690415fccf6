{#- dbt's hook for a generic test's `where` config (the documented way to give it a dynamic
    value): the placeholder __rebuilt_days__ becomes tested_days_condition();
    __rebuilt_days_unless_credit_moves__ too, but every day under an attribution lookback
    k > 0, whose CRM credit lands on other days than its CRM day. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- set unless_credit_moves = 'true' if attribution_settings().lookback_days > 0
            else tested_days_condition() -%}
        {%- set where = where
            | replace('__rebuilt_days_unless_credit_moves__', unless_credit_moves)
            | replace('__rebuilt_days__', tested_days_condition()) -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}
