{#- The rows that break the column constraints (not_null and check) of model `model_name`, on
    engines that do not enforce them. DuckDB refuses such rows on every insert, so there the
    test is off and a build pays for no extra query; Spark accepts the constraints without
    enforcing them, so this one query per model checks them all. (The model's name is an
    argument: `model` here is the relation, or the subquery of the test's `where` config.) -#}
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
