{#- The days an incremental model rebuilds: those that raw loads newer than its newest load id
    touched (int_days_touched_by_loads), and those on or after var since. So a build after any
    load gives what a full refresh gives. -#}
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
    {#- Unit tests (fixtures as inputs) get the subquery; builds get constants (days_in). -#}
    {%- if execute and model.resource_type != 'unit_test' %}
    {{ days_in(date_column, days_query) }}
    {%- else %}
    {{ date_column }} in ({{ days_query }})
    {%- endif %}
    {%- if var('since') %}
    or {{ date_column }} >= cast('{{ since_date() }}' as date)
    {%- endif %}
{%- endmacro %}
