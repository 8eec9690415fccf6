"""The schedule run inside the service when SCHEDULE is set: the same Scheduler as
`make schedule` (scheduler/loop.py), in a background thread, its steps child processes with the
service's files spelled absolutely (ServiceSettings.child_env). `/readyz` and `/metrics` show
its next run and its runs by status, as they do for `make schedule`.

At shutdown (SIGTERM to the service) the running load or build gets SIGTERM and the service
waits for it to end: both are crash-safe, so nothing is left half-done. A second scheduler on
the same run records (a `make schedule` already running) is reported and the service serves
without one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from scheduler.loop import Scheduler, SchedulerBusy
from service.access_log import log
from service.settings import ServiceSettings

STOP_TIMEOUT_SECONDS = 600.0  # a build stopped by SIGTERM ends within seconds; never hang


@dataclass
class InProcessSchedule:
    scheduler: Scheduler
    thread: threading.Thread

    @classmethod
    def start(cls, settings: ServiceSettings) -> InProcessSchedule | None:
        if settings.schedule is None:
            return None
        scheduler = Scheduler(settings.schedule, env=settings.child_env, alerts=settings.alerts)

        def run() -> None:
            try:
                scheduler.run()
            except SchedulerBusy as exc:
                log("schedule_refused", error=str(exc))
            except Exception as exc:  # the service keeps serving; the log says why
                log("schedule_crashed", error=repr(exc))

        thread = threading.Thread(target=run, name="schedule", daemon=True)
        thread.start()
        return cls(scheduler, thread)

    def stop(self) -> None:
        self.scheduler.stop(terminate=True)
        self.thread.join(STOP_TIMEOUT_SECONDS)
