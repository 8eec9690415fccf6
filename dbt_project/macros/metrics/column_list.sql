{#- A comma-separated select or group-by list: `expression` once per column, `{column}` standing
    for its name (so the marts spell the measure and UTM lists of dbt_project.yml once). -#}
{% macro column_list(columns, expression='{column}') -%}
    {%- for column in columns -%}
        {{ expression | replace('{column}', column) }}
        {%- if not loop.last %},
        {% endif -%}
    {%- endfor -%}
{%- endmacro %}
