{#- var since, checked: a bad value stops the build with a clear message. -#}
{% macro since_date() -%}
    {%- set since = var('since') | string | trim -%}
    {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', since) -%}
        {{ exceptions.raise_compiler_error(
            "var since must be a date YYYY-MM-DD, got '" ~ since ~ "'"
        ) }}
    {%- endif -%}
    {{ since }}
{%- endmacro %}
