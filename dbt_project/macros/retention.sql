{#- Retention (`make archive`, warehouse/retention.py): whole months before the hot window move from
    the warehouse to Parquet files in the lake, listed in archive.archived_partitions. A load
    that touches an archived month returns it to the hot tables first (warehouse/retention.py), so
    a month is either hot or archived, never both. These macros read the ledger at build time. -#}

{#- The condition that keeps rows of archived months out of the warehouse's models. Unit tests
    never read the live ledger: they get var archived_months (a list of 'YYYY-MM-01', default
    none archived), so they pass whatever `make archive` did to the warehouse. -#}
{% macro hot_days_only(date_column) -%}
    {%- set months = archived_months() -%}
    {%- if months -%}
        {{ dbt.date_trunc('month', date_column) }} not in (
            {%- for month in months %}{{ ', ' if not loop.first }}cast('{{ month }}' as date){% endfor -%}
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- The first days of the archived months, as 'YYYY-MM-DD' texts. -#}
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

{#- raw.rejected_records is archived by its ingest month, not by a report day. -#}
{% macro duckdb__archived_months() -%}
    {{ return(archive_ledger_values(
        "select distinct cast(month as varchar) from archive.archived_partitions "
        ~ "where relation <> 'raw.rejected_records' order by 1"
    )) }}
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
        database=target.database, schema='archive', identifier='archived_partitions'
    ) -%}
    {%- if ledger is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set result = run_query(sql) -%}
    {{ return(result.columns[0].values() | reject('none') | list) }}
{%- endmacro %}
