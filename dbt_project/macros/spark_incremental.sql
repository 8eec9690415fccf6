{#- How Spark keeps the incremental models up to date: it rebuilds them whole.

    On DuckDB an incremental model replaces the days that new loads touched (strategy
    replace_days, macros/rebuild_days.sql) or the keys they sent (delete+insert). A plain
    Spark table (Parquet, no Delta or Iceberg here) cannot delete rows, and insert_overwrite
    would keep a day whose rows all went away, so no Spark strategy gives the same marts. So on
    Spark every incremental model is built like a table, from the whole raw history: always
    what a full refresh gives, and the choice lives here only, whatever strategy a model sets.
    The models read only new days when is_incremental() is true, so the build must run with
    --full-refresh (spark.build does); without it a second run stops with a message. -#}
{% materialization incremental, adapter='spark' -%}
    {%- if is_incremental() -%}
        {{ exceptions.raise_compiler_error(
            "On Spark, " ~ this ~ " is rebuilt whole, not incrementally: run dbt with "
            ~ "--full-refresh (`make spark-build` and `python -m spark.build` do)"
        ) }}
    {%- endif -%}
    {{ return(materialization_table_spark()) }}
{%- endmaterialization %}
