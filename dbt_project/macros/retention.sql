{#- Retention (`make archive`, admira/archive.py): whole months before the hot window move from
    the warehouse to Parquet files in the lake, listed in archive.archived_partitions; the first
    hot day of each archive run is in archive.boundaries. These macros read both at build time. -#}

{#- The condition that keeps rows of archived months out of the warehouse's models: a load of
    old days lands in raw (and goes to the lake on the next archive run), but never brings back
    part of an archived month into staging or the marts. -#}
{% macro hot_days_only(date_column) -%}
    {{ return(adapter.dispatch('hot_days_only', 'admira')(date_column)) }}
{%- endmacro %}

{% macro default__hot_days_only(date_column) -%}
    true
{%- endmacro %}

{% macro duckdb__hot_days_only(date_column) -%}
    {%- set first_hot_day = archive_ledger_value('select cast(max(hot_from) as varchar) from archive.boundaries') -%}
    {%- if first_hot_day -%}
        {{ date_column }} >= cast('{{ first_hot_day }}' as date)
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- Every row of a mart: its hot rows and the months `make archive` moved to the lake, as a select
    (the history views). The archived files are listed when the view is built; `make archive`
    rebuilds the views after every move, so they never miss a month nor read one twice. -#}
{% macro hot_and_archived_rows(mart) -%}
    select * from {{ ref(mart) }}
    union all
    {{ archived_rows('marts.' ~ mart, ref(mart)) }}
{%- endmacro %}

{#- The rows a mart's archived months hold in the lake, as a select (nothing when none is). -#}
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

{#- A query on the archive ledger at execution time; none while parsing, or before the first
    archive run created the ledger. -#}
{% macro archive_ledger_values(sql) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set ledger = adapter.get_relation(
        database=target.database, schema='archive', identifier='boundaries'
    ) -%}
    {%- if ledger is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set result = run_query(sql) -%}
    {{ return(result.columns[0].values() | reject('none') | list) }}
{%- endmacro %}

{% macro archive_ledger_value(sql) -%}
    {%- set values = archive_ledger_values(sql) -%}
    {{ return(values[0] if values else none) }}
{%- endmacro %}
