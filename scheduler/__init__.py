"""`make schedule`: `python -m load` then `python -m warehouse.build` on a cron expression.

- scheduler.settings: SCHEDULE, SCHEDULE_TIMEZONE, SCHEDULE_RUNS_PATH and the cron arithmetic;
- scheduler.loop: the Scheduler, which runs in `python -m scheduler` or a background thread;
- scheduler.runs: the run records (one JSON line per run) and `summary()` of them.
"""
