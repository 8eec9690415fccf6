with

performance as (

    select * from {{ ref('stg_ads__performance') }}

),

final as (

    select
        report_date,
        {{ column_list(var('utm_columns')) }},
        {{ column_list(var('ads_measures'), 'sum({column}) as {column}') }},
        count(*) as ads_rows,
        max(load_id) as load_id

    from performance
    group by report_date, {{ column_list(var('utm_columns')) }}

)

select * from final
