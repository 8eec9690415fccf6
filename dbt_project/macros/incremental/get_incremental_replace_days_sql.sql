{#- The incremental strategy replace_days: delete the rebuilt days, insert their new rows, in one
    transaction. Unlike delete+insert keyed on the new rows, it also empties a day whose rows all
    went away (a campaign-day the source stopped reporting). -#}
{% macro get_incremental_replace_days_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') -%}
    {%- set condition = days_to_rebuild_condition(
        target,
        load_id_column=config.get('load_id_column', 'source_load_id'),
        source=config.get('rebuild_source'),
        spread=config.get('rebuild_spread'),
    ) %}
    delete from {{ target }} where {{ condition }};
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}
