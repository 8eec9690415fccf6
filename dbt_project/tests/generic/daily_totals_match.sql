{#- Per report day, the sums of `counts` and `amounts` in the model equal those in compare_model
    (both over the days the build tests): counts within 1e-6, amounts within 1e-6 of their size.
    A day on one side only compares with zeros, or fails when every_day_on_both_sides. -#}
{% test daily_totals_match(
    model, compare_model, counts=[], amounts=[], every_day_on_both_sides=false
) %}
    {%- set measures = counts + amounts %}
    with

    model_totals as (

        select
            report_date,
            {%- for measure in measures %}
            sum({{ measure }}) as {{ measure }}{{ ',' if not loop.last }}
            {%- endfor %}

        from {{ model }}
        group by report_date

    ),

    compare_totals as (

        select
            report_date,
            {%- for measure in measures %}
            sum({{ measure }}) as {{ measure }}{{ ',' if not loop.last }}
            {%- endfor %}

        from {{ compare_model }}
        where {{ tested_days_condition() }}
        group by report_date

    )

    select
        coalesce(model_totals.report_date, compare_totals.report_date) as report_date,
        {%- for measure in measures %}
        model_totals.{{ measure }} as model_{{ measure }},
        compare_totals.{{ measure }} as compare_{{ measure }}{{ ',' if not loop.last }}
        {%- endfor %}

    from model_totals
    full outer join compare_totals on model_totals.report_date = compare_totals.report_date
    where false
        {%- if every_day_on_both_sides %}
        or model_totals.report_date is null
        or compare_totals.report_date is null
        {%- endif %}
        {%- for measure in counts %}
        or abs(coalesce(model_totals.{{ measure }}, 0) - coalesce(compare_totals.{{ measure }}, 0))
        > 1e-6
        {%- endfor %}
        {%- for measure in amounts %}
        or abs(coalesce(model_totals.{{ measure }}, 0) - coalesce(compare_totals.{{ measure }}, 0))
        > 1e-6 * greatest(1, abs(coalesce(compare_totals.{{ measure }}, 0)))
        {%- endfor %}
{% endtest %}
