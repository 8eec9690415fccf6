{#- One row per day from start_column to end_column (inclusive) for each row of relation,
    with the columns carried along. -#}
{% macro days_between(relation, start_column, end_column, carried_columns) -%}
    {{ return(adapter.dispatch('days_between', 'admira')(
        relation, start_column, end_column, carried_columns
    )) }}
{%- endmacro %}

{% macro default__days_between(relation, start_column, end_column, carried_columns) -%}
    select {{ carried_columns | join(', ') }}, day as report_date
    from {{ relation }}
    lateral view explode(sequence({{ start_column }}, {{ end_column }})) as day
{%- endmacro %}

{% macro duckdb__days_between(relation, start_column, end_column, carried_columns) -%}
    select
        {{ carried_columns | join(', ') }},
        cast(unnest(generate_series({{ start_column }}, {{ end_column }}, interval 1 day)) as date)
            as report_date
    from {{ relation }}
{%- endmacro %}
