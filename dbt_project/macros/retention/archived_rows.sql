{#- The rows of a mart's archived months in the lake, as a select (none when none is). -#}
{% macro archived_rows(relation_name, like_relation) -%}
    {{ return(adapter.dispatch('archived_rows', 'admira')(relation_name, like_relation)) }}
{%- endmacro %}

{% macro default__archived_rows(relation_name, like_relation) -%}
    select * from {{ like_relation }} where false
{%- endmacro %}

{#- The files recorded in the ledger, and only those: a file a failed archive run left behind is
    never read. -#}
{% macro duckdb__archived_rows(relation_name, like_relation) -%}
    {%- set files = archive_ledger_values(
        "select file from archive.archived_partitions where relation = '"
        ~ relation_name ~ "' order by month, file"
    ) -%}
    {%- if files -%}
    select * from read_parquet([
        {%- for file in files %}
        '{{ file | replace("'", "''") }}'{{ "," if not loop.last }}
        {%- endfor %}
    ], hive_partitioning = false)
    {%- else -%}
    select * from {{ like_relation }} where false
    {%- endif -%}
{%- endmacro %}
