{#- The day of a timestamp text in the reporting time zone (var reporting_timezone).
    RFC 3339 with Z or an offset; a naive timestamp is UTC (the connection's zone is UTC). -#}
{% macro report_date(timestamp_text) -%}
    {{ return(adapter.dispatch('report_date', 'admira')(timestamp_text)) }}
{%- endmacro %}

{#- Spark (session time zone UTC): the text's instant, shown in the reporting zone. upper():
    Spark's parser takes 'T' and 'Z' only, RFC 3339 allows 't' and 'z' too. -#}
{% macro default__report_date(timestamp_text) -%}
    cast(
        from_utc_timestamp(
            to_timestamp(upper({{ timestamp_text }})),
            '{{ var("reporting_timezone") }}'
        )
        as date
    )
{%- endmacro %}

{% macro duckdb__report_date(timestamp_text) -%}
    cast(
        timezone('{{ var("reporting_timezone") }}', cast({{ timestamp_text }} as timestamptz))
        as date
    )
{%- endmacro %}
