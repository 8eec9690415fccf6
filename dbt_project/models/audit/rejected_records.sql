with

quarantine as (

    select * from {{ source('quarantine', 'rejected_records') }}

),

final as (

    select
        source,
        {{ mask_email_addresses('reason') }} as reason,
        {{ redact_record('record') }} as record,
        record_index,
        contract_version,
        _dlt_load_id as load_id,
        ingested_at

    from quarantine

)

select * from final
