{#- The marts' KPI ratio columns: the ratio metrics marked `in_marts` in the semantic layer
    (models/marts/semantic/_semantic__metrics.yml), declared once for every mart, MetricFlow
    and the Python readers: `safe_divide(numerator, denominator) as name,` for each (a comma
    after every one, so none is valid SQL too). -#}
{% macro kpi_ratios() -%}
    {%- for ratio in mart_ratios() -%}
        {{ safe_divide(ratio.numerator, ratio.denominator) }} as {{ ratio.name }},
        {%- if not loop.last %}
        {% endif -%}
    {%- endfor -%}
{%- endmacro %}

{#- [{name, numerator, denominator}], the two as the measures (mart columns) of the simple
    metrics the ratio divides, in the order of the YAML (dbt's graph keeps it). -#}
{% macro mart_ratios() -%}
    {%- set ratios = [] -%}
    {%- set metrics = graph.get('metrics', {}).values() | list -%}
    {%- set measure_of = {} -%}
    {%- for metric in metrics if metric.type == 'simple' -%}
        {%- do measure_of.update({metric.name: metric.type_params.measure.name}) -%}
    {%- endfor -%}
    {%- for metric in metrics
        if metric.type == 'ratio' and metric.config.meta.get('in_marts') -%}
        {%- do ratios.append({
            'name': metric.name,
            'numerator': measure_of[metric.type_params.numerator.name],
            'denominator': measure_of[metric.type_params.denominator.name],
        }) -%}
    {%- endfor -%}
    {{ return(ratios) }}
{%- endmacro %}
