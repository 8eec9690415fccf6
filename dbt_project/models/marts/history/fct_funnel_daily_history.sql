{{ history_view('fct_funnel_daily') }}
