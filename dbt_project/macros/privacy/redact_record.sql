{#- A quarantined record (JSON text) with contact_email replaced by its hash and any other text
    that looks like an e-mail address masked, so the audit layer shows no personal data. -#}
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

{#- Spark has no JSON patch: the contact_email value is replaced in the record's text (which
    keeps the rest of the record as received), then any other address is masked. -#}
{% macro spark__redact_record(record) -%}
    {%- set contact_email -%}
        get_json_object({{ record }}, '$.contact_email')
    {%- endset -%}
    {%- set hashed -%}
        case
            when {{ contact_email }} is null then {{ record }}
            else regexp_replace(
                {{ record }},
                '"contact_email"\\s*:\\s*"(?:[^"\\\\]|\\\\.)*"',
                concat('"contact_email":"', {{ hash_email(contact_email) }}, '"')
            )
        end
    {%- endset -%}
    {{ mask_email_addresses(hashed) }}
{%- endmacro %}
