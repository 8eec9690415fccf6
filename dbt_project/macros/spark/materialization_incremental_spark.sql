{#- On Spark an incremental model is rebuilt whole, like a table: a Parquet table cannot delete
    rows, and insert_overwrite would keep a day whose rows all went away, so no Spark strategy
    gives the marts DuckDB builds. Its SQL reads only new days when is_incremental(), so runs
    must be --full-refresh (spark.build's are); any other stops with a message. -#}
{% materialization incremental, adapter='spark' -%}
    {%- if is_incremental() -%}
        {{ exceptions.raise_compiler_error(
            "On Spark, " ~ this ~ " is rebuilt whole, not incrementally: run dbt with "
            ~ "--full-refresh (`make spark-build` and `python -m spark.build` do)"
        ) }}
    {%- endif -%}
    {{ return(materialization_table_spark()) }}
{%- endmaterialization %}
