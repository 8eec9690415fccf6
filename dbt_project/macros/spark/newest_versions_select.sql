{#- For each key, the rows of the newest load that sent it, from `versions` (a table or a
    parenthesized query). Load ids compare as text, as everywhere in the models. -#}
{% macro newest_versions_select(versions, key) -%}
    with

    versions as (

        select * from {{ versions }}

    ),

    newest_load_per_key as (

        select {{ key }}, max(_dlt_load_id) as _dlt_load_id
        from versions
        group by {{ key }}

    )

    select versions.*
    from versions
    left semi join newest_load_per_key
        on versions.{{ key }} = newest_load_per_key.{{ key }}
        and versions._dlt_load_id = newest_load_per_key._dlt_load_id
{%- endmacro %}
