{#- Which report days the data tests check: every day, or only the days this build rebuilt.

    A plain `dbt build` tests every row. `make build` (warehouse.build) sets the environment
    variable DBT_TESTS_COVER_LOADS_AFTER to the newest load every mart had seen before the
    build. The tests of models with a report_date (config where: "__rebuilt_days__" in
    dbt_project.yml, and the singular tests) then check the days that later loads touched, plus
    the days >= var since: the days this build rebuilt. Every other day was checked by the
    build that wrote it and has not changed since, so a build after a day's load costs a day's
    data, not the history. `make build FULL_REFRESH=1` and the first build test everything.

    An environment variable read at run time, not a var: a var that changes with every build
    would cost dbt its partial parsing, a few seconds each time. The days are looked up and
    written into the SQL as constants (macro days_in), so DuckDB pushes them down into
    the views the tests read. The days table is found through the graph, not ref(): a test may
    not ref a model it does not depend on. -#}
{% macro tested_days_condition(date_column='report_date') -%}
    {%- set after_load = env_var('DBT_TESTS_COVER_LOADS_AFTER', '') if execute else '' -%}
    {%- if not after_load or flags.FULL_REFRESH -%}
        true
    {%- else -%}
        {%- set days_query -%}
            select report_date
            from {{ graph.nodes['model.admira.int_days_touched_by_loads'].relation_name }}
            where load_id > '{{ after_load | replace("'", "''") }}'
        {%- endset -%}
        ({{ days_in(date_column, days_query) }}
        {%- if var('since') %} or {{ date_column }} >= cast('{{ since_date() }}' as date){% endif -%}
        )
    {%- endif -%}
{%- endmacro %}

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
