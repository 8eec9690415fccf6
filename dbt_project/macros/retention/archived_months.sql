{#- The first days of the archived months, as 'YYYY-MM-DD' texts. Unit tests never read the
    live ledger: they get var archived_months (default none archived), so they pass whatever
    `make archive` did to the warehouse. -#}
{% macro archived_months() -%}
    {%- if var('archived_months', none) is not none -%}
        {{ return(var('archived_months') | map('string') | list) }}
    {%- endif -%}
    {%- if model.resource_type == 'unit_test' -%}
        {{ return([]) }}
    {%- endif -%}
    {{ return(adapter.dispatch('archived_months', 'admira')()) }}
{%- endmacro %}

{% macro default__archived_months() -%}
    {{ return([]) }}
{%- endmacro %}

{#- The analytics file's ledger (the marts and staging); the raw file keeps its own. -#}
{% macro duckdb__archived_months() -%}
    {{ return(archive_ledger_values(
        "select distinct cast(month as varchar) from archive.archived_partitions order by 1"
    )) }}
{%- endmacro %}
