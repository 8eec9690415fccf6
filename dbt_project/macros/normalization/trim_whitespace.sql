{#- Strips leading and trailing white space of every kind: the set of Python's str.strip(),
    which the loader uses on keys. -#}
{% macro trim_whitespace(expression) -%}
    {{ return(adapter.dispatch('trim_whitespace', 'admira')(expression)) }}
{%- endmacro %}

{% macro default__trim_whitespace(expression) -%}
    trim({{ expression }})
{%- endmacro %}

{#- A regular expression: DuckDB's trim(x, characters) is several times slower when the set has
    non-ASCII characters. -#}
{% macro duckdb__trim_whitespace(expression) -%}
    {%- set code_points = [9, 10, 11, 12, 13, 28, 29, 30, 31, 32, 133, 160, 5760, 8192, 8193, 8194,
        8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288] -%}
    {%- set space -%}
        [{% for c in code_points %}\x{{ '{%X}' | format(c) }}{% endfor %}]
    {%- endset -%}
    regexp_replace({{ expression }}, '^{{ space }}+|{{ space }}+$', '', 'g')
{%- endmacro %}

{#- Java's \s and \p{Z} miss U+001C..U+001F and U+0085, which str.strip() removes. -#}
{% macro spark__trim_whitespace(expression) -%}
    regexp_replace(
        {{ expression }},
        '^[\\s\\p{Z}\\x{1C}-\\x{1F}\\x{85}]+|[\\s\\p{Z}\\x{1C}-\\x{1F}\\x{85}]+$',
        ''
    )
{%- endmacro %}
