{#- The day-selection rule of the incremental marts, in one place.

    A mart rebuilds a report_date when a raw load it has not seen yet touched that day: the
    days of every Ads window a load replaced, and every day an opportunity in a new load counts
    on now or counted on before (a stage change on an opportunity created months ago rebuilds
    that old day). "Not seen yet" means a load id above the newest source_load_id in the mart.
    With var since, the days on and after it are rebuilt as well. So a plain build after any
    load gives the same marts as a full refresh. -#}
{% macro days_to_rebuild_condition(target_relation, date_column='report_date') -%}
    {{ date_column }} in (
        select report_date
        from {{ ref('int_days_touched_by_loads') }}
        where load_id > (select coalesce(max(source_load_id), '') from {{ target_relation }})
    )
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
    delete from {{ target }} where {{ days_to_rebuild_condition(target) }};
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}
