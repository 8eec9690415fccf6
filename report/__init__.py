"""The KPI report: one static HTML page drawn from the published marts (`python -m report`)."""
