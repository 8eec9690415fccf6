with

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

final as (

    select
        report_date,
        {{ column_list(var('utm_columns')) }},
        count(*) as leads,
        sum(case when stage in ('opportunity', 'closed_won', 'closed_lost') then 1 else 0 end)
            as opportunities,
        sum(case when stage = 'closed_won' then 1 else 0 end) as closed_won,
        sum(case when stage = 'closed_won' then amount else 0 end) as revenue,
        max(load_id) as load_id

    from opportunities
    group by report_date, {{ column_list(var('utm_columns')) }}

)

select * from final
