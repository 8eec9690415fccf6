{#- Conversion rates are shares: between 0 and 1, or NULL when their denominator is 0. -#}
{% test between_zero_and_one(model, column_name) %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} < 0 or {{ column_name }} > 1
{% endtest %}
