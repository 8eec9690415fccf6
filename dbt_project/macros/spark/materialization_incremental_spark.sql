{#- The incremental materialization on Spark. A first build, a --full-refresh, or a model that
    is still a view: built whole, like a table. Otherwise a model partitioned by report_date
    rewrites only the days that days_to_rebuild_condition selects (the rule DuckDB's
    replace_days uses, from the same macro): the new rows go in by dynamic partition overwrite,
    and a selected day with no new row has its partition dropped, so the table equals a full
    refresh. A model without partitions appends (incremental_strategy append only). -#}
{% materialization incremental, adapter='spark' -%}
    {%- set existing_relation = load_relation(this) -%}
    {%- if existing_relation is none or existing_relation.is_view or should_full_refresh() -%}
        {{ return(materialization_table_spark()) }}
    {%- endif -%}

    {%- set target_relation = this -%}
    {%- set partition_by = config.get('partition_by') -%}
    {%- set strategy = config.get('incremental_strategy') or 'append' -%}
    {%- set on_schema_change = incremental_validate_on_schema_change(
        config.get('on_schema_change'), default='ignore'
    ) -%}
    {%- set tmp_relation = this.incorporate(
        path={"identifier": this.identifier ~ '__dbt_tmp'}
    ).include(database=false, schema=false) -%}
    {%- if not partition_by and strategy != 'append' -%}
        {{ exceptions.raise_compiler_error(
            "On Spark, incremental " ~ this ~ " needs partition_by report_date (its days are "
            ~ "rewritten) or incremental_strategy append"
        ) }}
    {%- endif -%}

    {{ run_hooks(pre_hooks) }}

    {#- Decided before anything is written: the watermark is the target's newest load id. -#}
    {%- if partition_by -%}
        {%- set rebuilt_days = days_to_rebuild_condition(
            target_relation,
            date_column=partition_by,
            load_id_column=config.get('load_id_column', 'source_load_id'),
            source=config.get('rebuild_source'),
        ) -%}
    {%- endif -%}

    {%- call statement('create_tmp_relation') -%}
        {{ create_table_as(True, tmp_relation, compiled_code) }}
    {%- endcall -%}
    {%- do process_schema_changes(on_schema_change, tmp_relation, existing_relation) -%}
    {%- set columns = adapter.get_columns_in_relation(target_relation)
        | map(attribute='quoted') | join(', ') -%}

    {%- if partition_by -%}
        {#- The new rows are read twice (their days, then the insert): computed once. -#}
        {%- do run_query('cache table ' ~ tmp_relation) -%}
        {%- set emptied_query -%}
            select distinct cast({{ partition_by }} as string) from {{ target_relation }}
            where {{ rebuilt_days }}
            except
            select distinct cast({{ partition_by }} as string) from {{ tmp_relation }}
        {%- endset -%}
        {%- set emptied_days = run_query(emptied_query).columns[0].values() | list -%}
        {%- call statement('set_overwrite_mode') -%}
            set spark.sql.sources.partitionOverwriteMode = DYNAMIC
        {%- endcall -%}
        {%- call statement('main') -%}
            insert overwrite table {{ target_relation }}
            partition ({{ partition_by }})
            select {{ columns }} from {{ tmp_relation }}
        {%- endcall -%}
        {%- for day in emptied_days -%}
            {%- call statement('drop_emptied_day') -%}
                alter table {{ target_relation }}
                drop if exists partition ({{ partition_by }} = '{{ day }}')
            {%- endcall -%}
        {%- endfor -%}
        {%- do run_query('uncache table if exists ' ~ tmp_relation) -%}
    {%- else -%}
        {%- call statement('main') -%}
            insert into table {{ target_relation }}
            select {{ columns }} from {{ tmp_relation }}
        {%- endcall -%}
    {%- endif -%}

    {% do persist_docs(target_relation, model) %}

    {{ run_hooks(post_hooks) }}

    {{ return({'relations': [target_relation]}) }}
{%- endmaterialization %}
