"""A span per job run, linked to the request that enqueued the job, on both backends."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from opentelemetry.trace import SpanKind, StatusCode
from redis import Redis
from rq import Queue, SimpleWorker

from gridflex import tracing
from gridflex.api.app import create_app
from gridflex.jobs import enqueue
from gridflex.store.base import session_scope
from tests.jobs.conftest import enqueue_test_job, wait_for


def _app_enqueueing(settings, func: str, kwargs: dict):
    """The app with one more route, which enqueues a job as the trigger routes do."""
    app = create_app(settings)

    def trigger() -> dict:
        return {"job": enqueue_test_job(settings, func, kwargs, reuse=False)}

    app.add_api_route("/test/trigger", trigger, methods=["POST"])
    return app


def _span(exporter, name: str, timeout: float = 10):
    """The finished span called ``name`` (a job's span ends just after its record does)."""
    deadline = time.monotonic() + timeout
    while True:
        tracing.flush()
        found = [span for span in exporter.get_finished_spans() if span.name == name]
        if found or time.monotonic() > deadline:
            assert len(found) == 1, [span.name for span in exporter.get_finished_spans()]
            return found[0]
        time.sleep(0.02)


def _trigger(app, settings, spans) -> tuple[str, object]:
    with TestClient(app) as client:
        job_id = client.post("/test/trigger").json()["job"]
        wait_for(settings.database_url, job_id, timeout=10)
    return job_id, _span(spans, "POST /test/trigger")


def test_an_embedded_job_run_is_a_span_linked_to_the_request(spans, settings):
    job_id, request = _trigger(_app_enqueueing(settings, "add", {"a": 1, "b": 2}), settings, spans)
    job = _span(spans, "job add")
    assert job.kind == SpanKind.CONSUMER
    assert job.attributes["gridflex.job.id"] == job_id
    assert job.attributes["gridflex.job.kind"] == "add"
    assert job.attributes["gridflex.job.queue"] == "scheduling"
    assert job.attributes["gridflex.job.outcome"] == "finished"
    # its own trace, which points back at the request's span
    assert job.parent is None and job.context.trace_id != request.context.trace_id
    (link,) = job.links
    assert (link.context.trace_id, link.context.span_id) == (
        request.context.trace_id,
        request.context.span_id,
    )


def test_a_failed_job_run_is_a_failed_span(spans, settings):
    _trigger(_app_enqueueing(settings, "create_then_fail", {"name": "x"}), settings, spans)
    job = _span(spans, "job create_then_fail")
    assert job.attributes["gridflex.job.outcome"] == "failed"
    assert job.status.status_code == StatusCode.ERROR
    assert any(event.name == "exception" for event in job.events)


def test_an_rq_job_carries_the_request_trace_through_redis(spans, settings, redis_url):
    rq_settings = settings.model_copy(update={"redis_url": redis_url})
    app = _app_enqueueing(rq_settings, "add", {"a": 20, "b": 22})
    with TestClient(app) as client:
        job_id = client.post("/test/trigger").json()["job"]
    connection = Redis.from_url(redis_url)
    SimpleWorker([Queue("scheduling", connection=connection)], connection=connection).work(
        burst=True
    )
    assert wait_for(settings.database_url, job_id, timeout=5).status == "finished"
    request, job = _span(spans, "POST /test/trigger"), _span(spans, "job add")
    assert job.attributes["gridflex.job.id"] == job_id
    assert [link.context.span_id for link in job.links] == [request.context.span_id]


def test_a_job_enqueued_outside_a_request_has_no_link(spans, settings):
    with session_scope(settings.database_url) as session:
        job, _ = enqueue(
            session,
            settings,
            queue="scheduling",
            func_name="tests.jobs.funcs:add",
            kwargs={"a": 1, "b": 1},
        )
        job_id = job.id
    wait_for(settings.database_url, job_id)
    span = _span(spans, "job add")
    assert not span.links and span.parent is None
    assert span.attributes["gridflex.job.id"] == job_id
