{#- The days the data tests check: every day under a plain `dbt build`; under `make build`
    (env DBT_TESTS_COVER_LOADS_AFTER, the newest load every mart had seen) the days this build
    rebuilt, since the build that wrote the others checked them. An environment variable, not a
    var: a var that changes with every build would cost dbt its partial parsing. -#}
{% macro tested_days_condition(date_column='report_date') -%}
    {%- set after_load = env_var('DBT_TESTS_COVER_LOADS_AFTER', '') if execute else '' -%}
    {%- if not after_load or flags.FULL_REFRESH -%}
        true
    {%- else -%}
        {#- Through the graph, not ref(): a test may not ref a model it does not depend on. -#}
        {%- set days_query -%}
            select report_date
            from {{ graph.nodes['model.admira.int_days_touched_by_loads'].relation_name }}
            where load_id > '{{ after_load | replace("'", "''") }}'
        {%- endset -%}
        ({{ days_in(date_column, days_query) }}
        {%- if var('since') %} or {{ date_column }} >= cast('{{ since_date() }}' as date)
        {%- endif -%}
        )
    {%- endif -%}
{%- endmacro %}
