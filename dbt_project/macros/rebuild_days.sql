{#- The day-selection rule of the incremental marts, in one place.

    A mart rebuilds a report_date when a raw load it has not seen yet touched that day: the
    days of every Ads window a load replaced, and every day an opportunity in a new load counts
    on now or counted on before (a stage change on an opportunity created months ago rebuilds
    that old day). "Not seen yet" means a load id above the newest source_load_id in the mart.
    With var since, the days on and after it are rebuilt as well. So a plain build after any
    load gives the same marts as a full refresh.

    In a real build the days are looked up first and written into the SQL as constants (macro
    days_in): DuckDB pushes constants down to the table scans, so a build after a one-day load
    reads that day. Unit tests (whose inputs are fixtures) get the subquery: the same rule. -#}
{% macro days_to_rebuild_condition(
    target_relation, date_column='report_date', load_id_column='source_load_id', source=none
) -%}
    {%- set days_query -%}
        select distinct report_date
        from {{ ref('int_days_touched_by_loads') }}
        where load_id > (
            select coalesce(max({{ load_id_column }}), '') from {{ target_relation }}
        )
        {%- if source %} and source = '{{ source }}'{% endif %}
    {%- endset -%}
    {%- if execute and model.resource_type != 'unit_test' %}
    {{ days_in(date_column, days_query) }}
    {%- else %}
    {{ date_column }} in ({{ days_query }})
    {%- endif %}
    {%- if var('since') %}
    or {{ date_column }} >= cast('{{ since_date() }}' as date)
    {%- endif %}
{%- endmacro %}

{#- var since, checked: a bad value stops the build with a clear message. -#}
{% macro since_date() -%}
    {%- set since = var('since') | string | trim -%}
    {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', since) -%}
        {{ exceptions.raise_compiler_error("var since must be a date YYYY-MM-DD, got '" ~ since ~ "'") }}
    {%- endif -%}
    {{ since }}
{%- endmacro %}

{#- The incremental strategy of the marts: delete the rebuilt days, insert their new rows.
    Unlike delete+insert keyed on the new rows, it also empties a day whose rows all went away
    (a campaign-day the source stopped reporting). Both statements run in one transaction. -#}
{% macro get_incremental_replace_days_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') -%}
    {%- set condition = days_to_rebuild_condition(
        target,
        load_id_column=config.get('load_id_column', 'source_load_id'),
        source=config.get('rebuild_source'),
    ) %}
    delete from {{ target }} where {{ condition }};
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{#- `date_column` is one of the days `days_query` selects, as constants: runs of consecutive days
    become ranges, so a window of ten years is one `between`, not 3,650 constants (the SQL and
    the filter's cost stay the size of the change, not of the window). Single days stay an `in`
    list, which DuckDB pushes down to the table scans. -#}
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
        select cast(min(report_date) as varchar), cast(max(report_date) as varchar)
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
