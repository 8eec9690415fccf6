{{ history_view('fct_channel_daily') }}
