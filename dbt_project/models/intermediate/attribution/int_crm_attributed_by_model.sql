{#- CONTRACT §4: the campaign-day rows under every attribution model (var attribution_models)
    at the configured lookback, for the comparison mart fct_attribution_daily. -#}
{{ attributed_campaign_days(var('attribution_models')) }}
