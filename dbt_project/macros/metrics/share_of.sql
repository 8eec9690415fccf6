{#- The part of a CRM measure that one Ads row gets: measure x clicks / group clicks, or an
    equal share when the group's clicks sum to 0. Multiplying before dividing keeps whole
    splits exact (4 leads x 1200 / 1500 clicks = 3.2). 0 when the day has no CRM group. -#}
{% macro share_of(measure, ads_alias) -%}
    coalesce(
        case
            when {{ ads_alias }}.group_clicks = 0
                then {{ dbt.cast(measure, type_double()) }} / {{ ads_alias }}.group_rows
            else {{ dbt.cast(measure, type_double()) }} * {{ ads_alias }}.clicks
                / {{ ads_alias }}.group_clicks
        end,
        0
    )
{%- endmacro %}
