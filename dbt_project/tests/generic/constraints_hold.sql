{#- The rows that break model_name's column constraints (not_null, check) on engines that do not
    enforce them: DuckDB refuses such rows on insert, so the test is off there; Spark only declares
    them. (The name is an argument: `model` may be the subquery of the `where` config.) -#}
{% test constraints_hold(model, model_name) %}
    {{ config(enabled=(target.type != 'duckdb')) }}
    {%- set broken = [] -%}
    {%- if execute -%}
        {%- set node = graph.nodes['model.admira.' ~ model_name] -%}
        {%- for column in node.columns.values() -%}
            {%- for constraint in column.constraints -%}
                {%- if constraint.type == 'not_null' -%}
                    {%- do broken.append(column.name ~ ' is null') -%}
                {%- elif constraint.type == 'check' -%}
                    {%- do broken.append('not (' ~ constraint.expression ~ ')') -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif %}
    select *
    from {{ model }}
    where {{ broken | join('\n        or ') if broken else 'false' }}
{% endtest %}
