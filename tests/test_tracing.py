"""OpenTelemetry traces: when they are set up, and the span each HTTP request makes."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from opentelemetry.trace import SpanKind, StatusCode

from gridflex import tracing
from gridflex.logs import JsonFormatter, RequestIdFilter

ENDPOINT = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}


@pytest.mark.parametrize(
    ("setting", "environ", "sdk", "expected"),
    [
        ("off", ENDPOINT, True, False),
        ("auto", {}, True, False),
        ("auto", ENDPOINT, True, True),
        (
            "auto",
            {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"},
            True,
            True,
        ),
        ("auto", {"OTEL_TRACES_EXPORTER": "console"}, True, True),
        ("auto", ENDPOINT, False, False),
        ("on", {}, True, True),
        ("on", {**ENDPOINT, "OTEL_TRACES_EXPORTER": "none"}, True, False),
        ("on", {**ENDPOINT, "OTEL_SDK_DISABLED": "true"}, True, False),
    ],
)
def test_tracing_is_enabled_by_the_setting_the_variables_and_the_sdk(
    setting, environ, sdk, expected
):
    assert tracing.enabled(setting, environ, sdk=sdk) is expected


def test_on_without_the_sdk_is_refused_with_the_way_to_install_it():
    with pytest.raises(ValueError, match=r"gridflex\[tracing\]"):
        tracing.enabled("on", {}, sdk=False)
    with pytest.raises(ValueError, match="GRIDFLEX_TRACING"):
        tracing.enabled("yes", {}, sdk=True)


def test_the_exporter_is_otlp_over_http_or_the_console():
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import ConsoleSpanExporter

    assert isinstance(tracing.exporter_from_environment(ENDPOINT), OTLPSpanExporter)
    console = tracing.exporter_from_environment({"OTEL_TRACES_EXPORTER": "console"})
    assert isinstance(console, ConsoleSpanExporter)
    with pytest.raises(ValueError, match="http/protobuf"):
        tracing.exporter_from_environment({**ENDPOINT, "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"})
    with pytest.raises(ValueError, match="zipkin"):
        tracing.exporter_from_environment({"OTEL_TRACES_EXPORTER": "zipkin"})


def test_off_sets_nothing_up_even_when_an_exporter_is_configured(monkeypatch, settings):
    from fastapi.testclient import TestClient

    from gridflex.api.app import create_app

    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    tracing.shutdown()
    assert tracing.setup("off") is False
    assert not tracing.active() and tracing.fastapi_telemetry()["tracing"] is False
    app = create_app(settings.model_copy(update={"tracing": "off"}))
    assert not tracing.active()
    with TestClient(app) as client:
        assert client.get("/api/").status_code == 200
    assert tracing.current_ids() == (None, None) and tracing.current_traceparent() is None


class _Collector(BaseHTTPRequestHandler):
    """Stands for an OpenTelemetry collector: keeps the bodies posted to /v1/traces."""

    received: list[tuple[str, bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_setup_from_the_variables_sends_spans_over_otlp_http(monkeypatch):
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    collector = HTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=collector.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{collector.server_port}")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "gridflex-test")
    tracing.shutdown()
    try:
        assert tracing.setup("auto") is True
        with tracing.job_span("42", func_name="tests.jobs.funcs:add", queue="scheduling"):
            pass
        assert tracing.flush(10_000)
    finally:
        tracing.shutdown()
        collector.shutdown()
        thread.join(timeout=5)
    assert not tracing.active()
    ((path, body),) = _Collector.received
    assert path == "/v1/traces"
    (resource_spans,) = ExportTraceServiceRequest.FromString(body).resource_spans
    resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
    assert resource["service.name"] == "gridflex-test"
    assert [span.name for s in resource_spans.scope_spans for span in s.spans] == ["job add"]


def test_without_the_sdk_the_app_starts_serves_and_imports_none_of_it(tmp_path):
    """The SDK and exporter made unimportable, as if not installed (the OpenTelemetry API
    stays: FastAPI needs it): the app works, and GRIDFLEX_TRACING=on says what is missing."""
    script = textwrap.dedent(
        f"""
        import importlib.abc, sys

        class NotInstalled(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.startswith(("opentelemetry.sdk", "opentelemetry.exporter")):
                    raise ModuleNotFoundError(name, name=name)
                return None

        sys.meta_path.insert(0, NotInstalled())
        from fastapi.testclient import TestClient
        from gridflex import tracing
        from gridflex.api.app import create_app
        from gridflex.config import Settings

        settings = Settings(mode="test", database_url="sqlite:///{tmp_path}/g.db")
        assert not tracing.installed()
        answer = TestClient(create_app(settings)).get("/api/")
        assert answer.status_code == 200, answer.text
        assert not tracing.active()
        try:
            create_app(settings.model_copy(update={{"tracing": "on"}}))
        except ValueError as exc:
            print(exc)
        """
    )
    env = {**os.environ, "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "pip install 'gridflex[tracing]'" in done.stdout


def _server_spans(exporter):
    tracing.flush()
    return [span for span in exporter.get_finished_spans() if span.kind == SpanKind.SERVER]


def test_a_request_makes_one_server_span_named_by_its_route(traced_client, spans, world):
    headers = world.user(world.account()).headers
    answer = traced_client.get("/api/v3_0/assets/999999", headers=headers)
    assert answer.status_code == 404
    (span,) = _server_spans(spans)
    assert span.name == "GET /api/v3_0/assets/{id}"
    assert span.attributes["http.request.method"] == "GET"
    assert span.attributes["http.route"] == "/api/v3_0/assets/{id}"
    assert span.attributes["http.response.status_code"] == 404
    assert span.attributes["gridflex.request_id"] == answer.headers["X-Request-ID"]
    assert span.status.status_code != StatusCode.ERROR  # a 4xx is the client's error
    assert span.parent is None


def test_a_traceparent_header_continues_that_trace(traced_client, spans):
    trace_id, parent_id = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    traced_client.get("/api/", headers={"traceparent": f"00-{trace_id}-{parent_id}-01"})
    (span,) = _server_spans(spans)
    assert format(span.context.trace_id, "032x") == trace_id
    assert span.parent is not None and format(span.parent.span_id, "016x") == parent_id
    assert span.name == "GET /api/"


def test_an_unexpected_error_is_a_failed_span_with_the_exception(traced_client, spans):
    def explode() -> None:
        raise RuntimeError("the flux capacitor")

    traced_client.app.add_api_route("/test/explode", explode)
    assert traced_client.get("/test/explode").status_code == 500
    (span,) = _server_spans(spans)
    assert span.name == "GET /test/explode"
    assert span.attributes["http.response.status_code"] == 500
    assert span.status.status_code == StatusCode.ERROR
    (event,) = [event for event in span.events if event.name == "exception"]
    assert event.attributes["exception.type"] == "RuntimeError"
    assert "flux capacitor" in event.attributes["exception.message"]


def test_log_lines_written_in_a_request_carry_its_trace_id(traced_client, spans):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("gridflex.access")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        answer = traced_client.get("/api/")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    (line,) = [json.loads(line) for line in stream.getvalue().splitlines()]
    (span,) = _server_spans(spans)
    assert line["request_id"] == answer.headers["X-Request-ID"]
    assert line["trace_id"] == format(span.context.trace_id, "032x")
