"""Scheduling flexible devices: flex-model and flex-context in, a schedule saved as beliefs out.

The path of one schedule::

    trigger (API)  ── trigger.trigger_schedule: parse every field (values), inherit the
                      flex-context (flex_context) and the assets' flex-models (flex_model),
                      plan the window (window), rate-limit, enqueue
    job (worker)   ── job.make_schedule: parse again, read the inputs from the store in
                      the right unit and resolution (loading), solve with
                      `gridflex.engines.scheduling`, save (results)
    GET (API)      ── answers.schedule_answer: 202 while pending, the schedule with its
                      costs by term when done, 400 UNKNOWN_SCHEDULE with the reason if not

Units: flex-model values convert to kWh (SoC), kW (power), fractions (efficiencies);
prices to <currency>/kWh and <currency>/kW. Sign convention: consumption (charging)
positive; results are stored in each sensor's own convention.
"""

from .answers import Answer, schedule_answer
from .job import FUNC_NAME, make_schedule
from .results import SCHEDULER_MODEL, SCHEDULER_NAME, SCHEDULER_VERSION, scheduler_source
from .trigger import Prepared, ScheduleRequest, Triggered, prepare_schedule, trigger_schedule

__all__ = [
    "FUNC_NAME",
    "SCHEDULER_MODEL",
    "SCHEDULER_NAME",
    "SCHEDULER_VERSION",
    "Answer",
    "Prepared",
    "ScheduleRequest",
    "Triggered",
    "make_schedule",
    "prepare_schedule",
    "schedule_answer",
    "scheduler_source",
    "trigger_schedule",
]
