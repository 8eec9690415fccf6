{#- A query on the archive ledger at execution time: its first column's values; none while
    parsing, or before the first archive run created the ledger. -#}
{% macro archive_ledger_values(sql) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set ledger = adapter.get_relation(
        database=target.database, schema='archive', identifier='archived_partitions'
    ) -%}
    {%- if ledger is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set result = run_query(sql) -%}
    {{ return(result.columns[0].values() | reject('none') | list) }}
{%- endmacro %}
