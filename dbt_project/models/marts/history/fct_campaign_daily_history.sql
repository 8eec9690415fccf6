{{ history_view('fct_campaign_daily') }}
