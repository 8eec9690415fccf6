{#- Brings the compacted current state raw.<table> of a lake log up to date: the loads newer
    than the last compaction (ledger raw.lake_compactions) are read, for each key the rows of
    its newest load are kept, and only the partitions they touch are rewritten (dynamic
    partition overwrite); the ledger row is written last, so a compaction that stops half way
    is redone whole by the next one. The log itself is never changed (audit, replay). -#}
{% macro compact_raw_log(raw, table, key, partition_column, partition_expression=none) -%}
    {%- set log = 'parquet.`' ~ raw ~ '/' ~ table ~ '`' -%}
    {%- set current = adapter.get_relation(database=none, schema='raw', identifier=table) -%}
    {%- if current is not none and current.is_view -%}
        {#- A lake registered before compaction existed: the view gives way to the table. -#}
        {% do run_query('drop view if exists raw.' ~ table) %}
        {%- set current = none -%}
    {%- endif -%}
    {%- set watermark = '' -%}
    {%- if current is not none -%}
        {%- set watermark = run_query(
            "select coalesce(max(load_id), '') from raw.lake_compactions"
            ~ " where table_name = '" ~ table ~ "'"
        ).columns[0].values()[0] -%}
    {%- endif -%}
    {%- set newest = run_query(
        'select max(_dlt_load_id) from ' ~ log ~ " where _dlt_load_id > '" ~ watermark ~ "'"
    ).columns[0].values()[0] -%}
    {%- if newest is none -%}
        {{ return(none) }}
    {%- endif -%}

    {% do run_query(
        'create or replace temporary view ' ~ table ~ '__new_versions as '
        ~ newest_versions_select(
            '(select *' ~ (', ' ~ partition_expression ~ ' as ' ~ partition_column
                if partition_expression else '')
            ~ ' from ' ~ log
            ~ " where _dlt_load_id > '" ~ watermark ~ "' and _dlt_load_id <= '" ~ newest ~ "')",
            key,
        )
    ) %}
    {%- if current is none -%}
        {% do run_query(
            'create table raw.' ~ table ~ ' using parquet partitioned by (' ~ partition_column
            ~ ') as select * from ' ~ table ~ '__new_versions'
        ) %}
    {%- else -%}
        {%- set columns = adapter.get_columns_in_relation(current)
            | map(attribute='name') | join(', ') -%}
        {%- if key == partition_column -%}
            {#- A key per partition (a day of Ads): its newest load replaces it whole. -#}
            {%- set rewritten = table ~ '__new_versions' -%}
            {%- set emptied = [] -%}
        {%- else -%}
            {#- Keys move between partitions: rewrite the partitions holding a new version or
                an older version of the same key, keeping their other keys. -#}
            {%- set touched = run_query(
                'select distinct cast(' ~ partition_column ~ ' as string) from raw.' ~ table
                ~ ' where ' ~ key ~ ' in (select ' ~ key ~ ' from ' ~ table ~ '__new_versions)'
                ~ ' union select distinct cast(' ~ partition_column ~ ' as string) from '
                ~ table ~ '__new_versions'
            ).columns[0].values() | list -%}
            {%- set days = touched | reject('none') | list -%}
            {%- set in_touched -%}
                ({{ partition_column }} in (
                    {%- for day in days %}{{ ', ' if not loop.first }}cast('{{ day }}' as date)
                    {%- else %}null{% endfor -%}
                ){{ ' or ' ~ partition_column ~ ' is null' if none in touched }})
            {%- endset -%}
            {%- set rewritten = table ~ '__rewritten' -%}
            {% do run_query(
                'create or replace temporary view ' ~ rewritten ~ ' as '
                ~ 'select ' ~ columns ~ ' from raw.' ~ table ~ ' as kept'
                ~ ' where ' ~ in_touched ~ ' and not exists (select 1 from ' ~ table
                ~ '__new_versions as new where new.' ~ key ~ ' = kept.' ~ key ~ ')'
                ~ ' union all select ' ~ columns ~ ' from ' ~ table ~ '__new_versions'
            ) %}
            {#- Written to a staging table first: Spark does not overwrite a table that the
                same statement reads. -#}
            {% do run_query('drop table if exists raw.' ~ table ~ '__staged') %}
            {% do run_query(
                'create table raw.' ~ table ~ '__staged using parquet as select * from '
                ~ rewritten
            ) %}
            {%- set rewritten = 'raw.' ~ table ~ '__staged' -%}
            {%- set present = run_query(
                'select distinct cast(' ~ partition_column ~ ' as string) from ' ~ rewritten
            ).columns[0].values() | list -%}
            {%- set emptied = days | reject('in', present) | list -%}
        {%- endif -%}
        {% do run_query('set spark.sql.sources.partitionOverwriteMode = DYNAMIC') %}
        {% do run_query(
            'insert overwrite table raw.' ~ table ~ ' partition (' ~ partition_column ~ ') '
            ~ 'select ' ~ columns ~ ' from ' ~ rewritten
        ) %}
        {%- for day in emptied %}
            {% do run_query(
                'alter table raw.' ~ table ~ ' drop if exists partition ('
                ~ partition_column ~ " = '" ~ day ~ "')"
            ) %}
        {%- endfor %}
        {% do run_query('drop table if exists raw.' ~ table ~ '__staged') %}
    {%- endif -%}
    {% do run_query(
        "insert into raw.lake_compactions values ('" ~ table ~ "', '" ~ newest
        ~ "', current_timestamp())"
    ) %}
{%- endmacro %}
