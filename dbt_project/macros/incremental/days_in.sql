{#- `date_column` is one of the days `days_query` selects, written as constants, which DuckDB
    pushes down to the table scans. Runs of consecutive days become one `between` each, so the
    SQL grows with the change, not with the window. -#}
{% macro days_in(date_column, days_query) -%}
    {%- set runs_query -%}
        with days as (
            select distinct report_date from ({{ days_query }}) as touched
            where report_date is not null
        ),
        numbered as (
            select report_date, row_number() over (order by report_date) as day_number
            from days
        ),
        runs as (
            select
                report_date,
                {{ dbt.dateadd('day', '-1 * day_number', 'report_date') }} as run_key
            from numbered
        )
        select
            {{ dbt.cast("min(report_date)", dbt.type_string()) }},
            {{ dbt.cast("max(report_date)", dbt.type_string()) }}
        from runs
        group by run_key
        order by 1
    {%- endset -%}
    {%- set runs = run_query(runs_query).rows -%}
    {%- set ns = namespace(days=[], ranges=[]) -%}
    {%- for first, last in runs -%}
        {%- if first == last -%}
            {%- set ns.days = ns.days + [first] -%}
        {%- else -%}
            {%- set ns.ranges = ns.ranges + [(first, last)] -%}
        {%- endif -%}
    {%- endfor -%}
    ({{ date_column }} in (
        {%- for day in ns.days %}{{ ', ' if not loop.first }}cast('{{ day }}' as date)
        {%- else %}null{% endfor -%}
    )
    {%- for first, last in ns.ranges %}
        or {{ date_column }} between cast('{{ first }}' as date) and cast('{{ last }}' as date)
    {%- endfor -%}
    )
{%- endmacro %}
