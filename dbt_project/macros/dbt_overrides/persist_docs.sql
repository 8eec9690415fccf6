{#- dbt's persist_docs on DuckDB, writing only the comments that differ from the relation's: an
    incremental table keeps its comments from build to build, and every COMMENT statement is a
    catalog change. A view, created anew by each build, still gets every comment. -#}
{% macro duckdb__persist_docs(relation, model, for_relation, for_columns) -%}
    {%- set current = {} -%}
    {%- set comments_query -%}
        select coalesce(column_name, ''), coalesce(comment, '')
        from duckdb_columns()
        where database_name = '{{ relation.database }}' and schema_name = '{{ relation.schema }}'
            and table_name = '{{ relation.identifier }}'
        union all
        select '', coalesce(comment, '')
        from (
            select database_name, schema_name, table_name as name, comment from duckdb_tables()
            union all
            select database_name, schema_name, view_name, comment from duckdb_views()
        )
        where database_name = '{{ relation.database }}' and schema_name = '{{ relation.schema }}'
            and name = '{{ relation.identifier }}'
    {%- endset -%}
    {%- for row in run_query(comments_query) -%}
        {%- do current.update({row[0]: row[1]}) -%}
    {%- endfor -%}

    {%- if for_relation and config.persist_relation_docs() and model.description
        and current.get('') != model.description %}
        {%- do run_query(alter_relation_comment(relation, model.description)) %}
    {%- endif %}

    {%- if for_columns and config.persist_column_docs() and model.columns %}
        {%- set changed = {} -%}
        {%- for name, column in model.columns.items() -%}
            {%- if name in current and current[name] != column.description -%}
                {%- do changed.update({name: column}) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if changed %}
            {%- do run_query(alter_column_comment(relation, changed)) %}
        {%- endif %}
    {%- endif %}
{%- endmacro %}
