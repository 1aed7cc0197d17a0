"""Optional OpenTelemetry traces: a span per HTTP request and per job run.

Traces are sent only when the SDK is installed (``pip install 'gridflex[tracing]'``) and
asked for: ``GRIDFLEX_TRACING=on``, or ``auto`` (the default) with one of the standard
variables ``OTEL_EXPORTER_OTLP_ENDPOINT``, ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` or
``OTEL_TRACES_EXPORTER`` set. The exporter is OTLP over HTTP (protobuf), or ``console``;
``OTEL_SERVICE_NAME`` names the service (default ``gridflex``); the other standard
variables (headers, sampler, batch sizes, resource attributes) are read by the SDK itself.

Off, nothing of the SDK is imported and each hook below costs one test of a global.

- HTTP: FastAPI's own OpenTelemetry support makes the server span ("GET /api/v3_0/assets/{id}",
  W3C ``traceparent`` continued); ``fastapi_telemetry`` hands it our provider, and keeps
  its metrics and logs off (Prometheus and our JSON lines are the one way for those).
  The request id and unexpected exceptions are added to that span by our middleware.
- Jobs: ``job_span`` around each run, linked to the request that enqueued it when the
  job carries that request's ``traceparent``.
- Logs: ``current_ids`` puts ``trace_id`` and ``span_id`` on every log line written in a span.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from gridflex import __version__

if TYPE_CHECKING:
    from fastapi.telemetry import TelemetryConfig

SETTINGS = ("auto", "on", "off")
_ENDPOINT_VARIABLES = (
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_TRACES_EXPORTER",
)
# Set by configure(): the SDK's TracerProvider, our tracer, and the pid they were made in.
_provider: Any = None
_tracer: Any = None
_pid = 0


def installed() -> bool:
    """Whether the OpenTelemetry SDK can be imported (without importing it)."""
    try:
        return importlib.util.find_spec("opentelemetry.sdk.trace") is not None
    except ModuleNotFoundError:  # no opentelemetry package at all
        return False


def enabled(
    setting: str, environ: Mapping[str, str] | None = None, *, sdk: bool | None = None
) -> bool:
    """Whether to trace, for ``GRIDFLEX_TRACING`` = ``setting`` and the ``OTEL_*`` variables.

    ``off``: never. ``on``: always (the SDK must be installed). ``auto``: when the SDK is
    installed and an exporter is configured. ``OTEL_SDK_DISABLED=true`` or
    ``OTEL_TRACES_EXPORTER=none`` turn tracing off whatever the setting.
    ``sdk`` stands for ``installed()`` (tests give it).
    """
    if setting not in SETTINGS:
        raise ValueError(f"GRIDFLEX_TRACING must be one of {', '.join(SETTINGS)}, not {setting!r}.")
    environ = os.environ if environ is None else environ
    exporter = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if setting == "off" or exporter == "none":
        return False
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    sdk = installed() if sdk is None else sdk
    if setting == "on" and not sdk:
        raise ValueError(
            "GRIDFLEX_TRACING=on needs the OpenTelemetry SDK: pip install 'gridflex[tracing]'."
        )
    return sdk and (setting == "on" or any(environ.get(name) for name in _ENDPOINT_VARIABLES))


def active() -> bool:
    return _tracer is not None


def setup(setting: str) -> bool:
    """At the start of a server or worker process: trace if ``enabled(setting)``, with the
    exporter the ``OTEL_*`` variables name. Returns whether this process traces."""
    if _tracer is None and enabled(setting):
        configure(exporter_from_environment())
    return _tracer is not None


def exporter_from_environment(environ: Mapping[str, str] | None = None) -> Any:
    """The span exporter ``OTEL_TRACES_EXPORTER`` names: ``otlp`` (the default, HTTP with
    protobuf, to ``OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT``) or ``console`` (standard output)."""
    environ = os.environ if environ is None else environ
    name = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower() or "otlp"
    if name == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    if name != "otlp":
        raise ValueError(f"OTEL_TRACES_EXPORTER={name} is not supported; use otlp or console.")
    protocol = (
        environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
        or environ.get("OTEL_EXPORTER_OTLP_PROTOCOL")
        or "http/protobuf"
    )
    if protocol != "http/protobuf":
        raise ValueError(f"OTLP protocol {protocol} is not supported; use http/protobuf.")
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    except ImportError as exc:
        raise ValueError(
            "The OTLP exporter is not installed: pip install 'gridflex[tracing]'."
        ) from exc
    return OTLPSpanExporter()  # endpoint, headers, timeout: from the standard variables


def configure(exporter: Any, *, service_name: str | None = None) -> None:
    """Trace in this process, sending spans to ``exporter`` in batches (any SDK
    ``SpanExporter``: the tests give an in-memory one). Replaces an earlier configuration."""
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    global _provider, _tracer, _pid
    shutdown()
    name = service_name or os.environ.get("OTEL_SERVICE_NAME") or "gridflex"
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    # The global provider can be set once per process; we hand ours to FastAPI and use it
    # for jobs directly, so a later configure() (tests) works all the same.
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        trace.set_tracer_provider(provider)
    _provider, _tracer, _pid = provider, provider.get_tracer("gridflex", __version__), os.getpid()


def flush(timeout_ms: int = 30_000) -> bool:
    """Export the spans ended so far (the batch processor otherwise waits a few seconds)."""
    return _provider.force_flush(timeout_ms) if _provider is not None else True


def shutdown() -> None:
    """Export what is left and stop tracing in this process."""
    global _provider, _tracer
    if _provider is not None:
        _provider.shutdown()
    _provider = _tracer = None


def fastapi_telemetry() -> TelemetryConfig:
    """``FastAPI(telemetry=...)``: its request spans through our provider when tracing, none
    otherwise; never its metrics, logs or per-dependency spans."""
    return {
        "tracing": _tracer is not None,
        "tracer_provider": _provider,
        "metrics": False,
        "logs": False,
        "operation_spans": False,
        "auto_configure": False,
    }


def annotate_request(request_id: str) -> None:
    """Put our request id (the ``X-Request-ID`` answered) on the request's span."""
    if _tracer is not None:
        from opentelemetry import trace

        trace.get_current_span().set_attribute("gridflex.request_id", request_id)


def record_exception(exc: BaseException) -> None:
    """Record an exception no handler took on the current span (it is answered with a 5xx)."""
    if _tracer is not None:
        from opentelemetry import trace

        trace.get_current_span().record_exception(exc)


def current_ids() -> tuple[str | None, str | None]:
    """(trace id, span id) of the current span in hex, for log lines; (None, None) outside one."""
    if _tracer is None:
        return None, None
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None, None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")


def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the current span, to store with a job enqueued in it."""
    if _tracer is None:
        return None
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    carrier: dict[str, str] = {}
    TraceContextTextMapPropagator().inject(carrier)
    return carrier.get("traceparent")


def job_span(
    job_id: str, *, func_name: str, queue: str, traceparent: str | None = None
) -> AbstractContextManager[Any]:
    """A span around one run of a job, "job <function>", with its outcome; a new trace,
    linked to the span whose ``traceparent`` the job carries (the request that enqueued it)."""
    if _tracer is None:
        return nullcontext()
    return _job_span(job_id, func_name, queue, traceparent)


@contextmanager
def _job_span(job_id: str, func_name: str, queue: str, traceparent: str | None) -> Iterator[Any]:
    from opentelemetry import trace
    from opentelemetry.context import Context
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    links = []
    if traceparent:
        parent = TraceContextTextMapPropagator().extract({"traceparent": traceparent})
        span_context = trace.get_current_span(parent).get_span_context()
        if span_context.is_valid:
            links.append(trace.Link(span_context))
    kind = func_name.rpartition(":")[2] or func_name
    attributes = {
        "gridflex.job.id": job_id,
        "gridflex.job.kind": kind,
        "gridflex.job.function": func_name,
        "gridflex.job.queue": queue,
    }
    # A job outlives the request that enqueued it: its own trace (Context()), with a link.
    try:
        with _tracer.start_as_current_span(
            f"job {kind}",
            context=Context(),
            kind=trace.SpanKind.CONSUMER,
            links=links,
            attributes=attributes,
        ) as span:
            try:
                yield span
            except BaseException:
                span.set_attribute("gridflex.job.outcome", "failed")
                raise
            span.set_attribute("gridflex.job.outcome", "finished")
    finally:
        if os.getpid() != _pid:  # an RQ work horse (--fork) ends with os._exit: export now
            flush()
