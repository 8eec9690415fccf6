{#- CONTRACT §4: the campaign-day rows under the configured attribution model and lookback
    (macro attributed_campaign_days; with the default lookback 0, the click-share split of each
    CRM group across the Ads rows of its day and triple). -#}
{{ attributed_campaign_days([attribution_settings().model]) }}
