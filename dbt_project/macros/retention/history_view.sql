{#- A history view: every row of `mart`, its hot rows and the months `make archive` moved to the
    lake, with the mart's columns in the order of its contract. `make archive` rebuilds the view
    after every move, so it never misses a month nor reads one twice. -#}
{% macro history_view(mart) -%}
    {%- set columns = graph.nodes['model.admira.' ~ mart].columns.keys() | list
        if execute else [] -%}
with

final as (

    select * from {{ ref(mart) }}
    union all
    {{ archived_rows('marts.' ~ mart, ref(mart)) }}

)

select
    {{ columns | join(',\n    ') if columns else '*' }}

from final
{%- endmacro %}
