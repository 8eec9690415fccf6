{#- Per report day, the sums of `counts` and `amounts` in the model equal those in compare_model
    (both over the days the build tests): counts within 1e-6, amounts within 1e-6 of their size.
    A day on one side only compares with zeros, or fails when every_day_on_both_sides.
    credit_moves_days: the CRM credit of one side lands up to k days before its CRM day
    (attribution lookback k > 0); then the totals over every day are compared, and the test's
    `where` should be __rebuilt_days_unless_credit_moves__. -#}
{% test daily_totals_match(
    model, compare_model, counts=[], amounts=[], every_day_on_both_sides=false,
    credit_moves_days=false
) %}
    {%- set measures = counts + amounts %}
    {%- set per_day = not (credit_moves_days and attribution_settings().lookback_days > 0) %}
    {%- set day = 'report_date' if per_day else "'every day'" %}
    with

    model_totals as (

        select
            {{ day }} as report_date,
            {%- for measure in measures %}
            sum({{ measure }}) as {{ measure }}{{ ',' if not loop.last }}
            {%- endfor %}

        from {{ model }}
        group by {{ day }}

    ),

    compare_totals as (

        select
            {{ day }} as report_date,
            {%- for measure in measures %}
            sum({{ measure }}) as {{ measure }}{{ ',' if not loop.last }}
            {%- endfor %}

        from {{ compare_model }}
        where {{ tested_days_condition() if per_day else 'true' }}
        group by {{ day }}

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
