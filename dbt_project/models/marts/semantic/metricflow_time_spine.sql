{#- MetricFlow's calendar (one row per day) for the trailing windows and the period-over-period
    metrics: every day from the first to the last day of the campaign mart's history, with no gap. -#}
with

days as (

    {{ dbt.date_spine(
        'day',
        "(select coalesce(min(report_date), current_date) from " ~ ref('fct_campaign_daily_history') ~ ")",
        "(select " ~ dbt.dateadd('day', 1, "coalesce(max(report_date), current_date)")
            ~ " from " ~ ref('fct_campaign_daily_history') ~ ")",
    ) }}

),

final as (

    select cast(date_day as date) as date_day

    from days

)

select * from final
