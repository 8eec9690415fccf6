{#- Quarantined records as JSON with contact_email replaced by its hash, and any other text
    that looks like an e-mail address masked, so the audit layer shows no personal data. -#}
{% macro mask_email_addresses(expression) -%}
    regexp_replace({{ expression }}, '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}', '<email>', 'g')
{%- endmacro %}

{% macro redact_record(record) -%}
    {{ return(adapter.dispatch('redact_record', 'admira')(record)) }}
{%- endmacro %}

{% macro duckdb__redact_record(record) -%}
    case
        when json_valid({{ record }})
            and json_type(cast({{ record }} as json)) = 'OBJECT'
            and json_exists(cast({{ record }} as json), '$.contact_email')
        then {{ mask_email_addresses(
            "cast(json_merge_patch(cast(" ~ record ~ " as json), json_object('contact_email', "
            ~ hash_email("(cast(" ~ record ~ " as json) ->> 'contact_email')") ~ ")) as varchar)"
        ) }}
        else {{ mask_email_addresses(record) }}
    end
{%- endmacro %}
