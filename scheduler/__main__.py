"""CLI: python -m scheduler — load then build at each time SCHEDULE names, until stopped.

SIGTERM or SIGINT (Ctrl-C) stops the schedule: a running load or build gets SIGTERM (both are
crash-safe), the scheduler waits for it to end, records the run and exits 0.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from scheduler.alerts import Alerts
from scheduler.loop import Scheduler, SchedulerBusy
from scheduler.settings import ScheduleSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scheduler",
        description="Run `python -m load` then `python -m warehouse.build` at each time the "
        "cron expression SCHEDULE names (read in SCHEDULE_TIMEZONE), recording each run in "
        "SCHEDULE_RUNS_PATH. SIGTERM or Ctrl-C stops it.",
    )
    parser.parse_args(argv)
    try:
        settings = ScheduleSettings.from_env()
        alerts = Alerts.from_env(settings.state_dir)
    except SystemExit as exc:  # a setting the scheduler cannot use: one line, no traceback
        print(f"schedule refused: {exc.code}", file=sys.stderr)
        return 2

    scheduler = Scheduler(settings, alerts=alerts)
    received: list[str] = []

    def on_signal(signum: int, _frame: object) -> None:
        received.append(signal.Signals(signum).name)
        scheduler.stop(terminate=True)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    failure: list[BaseException] = []

    def target() -> None:
        try:
            scheduler.run()
        except BaseException as exc:  # handed to the main thread
            failure.append(exc)

    # The loop runs in a thread; the main thread only waits, so the signal handler never
    # interrupts the loop while it holds a lock.
    thread = threading.Thread(target=target, name="scheduler")
    thread.start()
    while thread.is_alive():
        thread.join(0.5)
    if failure:
        error = failure[0]
        if isinstance(error, SchedulerBusy | OSError):
            print(f"schedule refused: {error}", file=sys.stderr)
            return 2
        raise error
    step = scheduler.stopped_step
    what = (
        f"the running {step} got SIGTERM and ended (loads and builds are crash-safe: the next "
        "run carries on)"
        if step
        else "no load or build was interrupted"
    )
    print(f"Scheduler stopped by {received[0] if received else 'request'}: {what}.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
