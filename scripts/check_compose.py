"""Check a Compose file's structure where ``docker compose config`` is not available.

Not the full Compose specification: the parts a typo breaks silently. Top-level and
service keys must be known ones, every service needs an image or a build, references
(depends_on, named volumes, anchors) must resolve, relative bind mounts must exist,
and ``${VAR...}`` substitutions must be well formed. Exit 1 with the problems listed.
Run: ``python scripts/check_compose.py deploy/compose.yaml``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import yaml

TOP = {"name", "version", "services", "volumes", "networks", "configs", "secrets"}
SERVICE = {
    "build", "image", "command", "entrypoint", "environment", "env_file", "depends_on",
    "deploy", "ports", "expose", "volumes", "healthcheck", "restart", "networks", "labels",
    "user", "working_dir", "logging", "ulimits", "stop_grace_period", "profiles", "secrets",
    "configs", "extra_hosts", "init", "shm_size",
}  # fmt: skip
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
RESTART = {"no", "always", "on-failure", "unless-stopped"}
SUBSTITUTION = re.compile(r"\$\{([^}]*)\}")
VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:(?::?[-?+]).*)?")


def problems_of(path: Path) -> list[str]:
    text = path.read_text()
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return [f"not valid YAML: {exc}"]
    out = [
        f"${{{s}}} is not a valid substitution"
        for s in SUBSTITUTION.findall(text)
        if not VARIABLE.fullmatch(s)
    ]
    if not isinstance(doc, dict) or not isinstance(doc.get("services"), dict):
        return [*out, "no services"]
    out += [f"unknown top-level key {k!r}" for k in doc if k not in TOP and not k.startswith("x-")]
    services: dict[str, Any] = doc["services"]
    volumes = set(doc.get("volumes") or {})
    for name, service in services.items():
        out += _service_problems(name, service, services, volumes, path.parent)
    return out


def _service_problems(
    name: str, service: Any, services: dict[str, Any], volumes: set[str], folder: Path
) -> list[str]:
    if not isinstance(service, dict):
        return [f"service {name}: not a mapping"]
    out = [f"service {name}: unknown key {k!r}" for k in service if k not in SERVICE]
    if "image" not in service and "build" not in service:
        out.append(f"service {name}: needs an image or a build")
    depends = service.get("depends_on") or {}
    for other, spec in depends.items() if isinstance(depends, dict) else ((d, {}) for d in depends):
        if other not in services:
            out.append(f"service {name}: depends on unknown service {other!r}")
        if isinstance(spec, dict) and spec.get("condition", "service_started") not in CONDITIONS:
            out.append(f"service {name}: unknown condition {spec.get('condition')!r}")
    if str(service.get("restart", "no")) not in RESTART:
        out.append(f"service {name}: unknown restart policy {service['restart']!r}")
    for mount in service.get("volumes") or []:
        source = str(mount).split(":", 1)[0] if isinstance(mount, str) else mount.get("source")
        if source and source.startswith((".", "/")):
            if source.startswith(".") and not (folder / source).exists():
                out.append(f"service {name}: bind mount {source} does not exist")
        elif source and source not in volumes:
            out.append(f"service {name}: named volume {source!r} is not declared")
    build = service.get("build")
    if isinstance(build, dict):
        context = folder / build.get("context", ".")
        if not (context / build.get("dockerfile", "Dockerfile")).exists():
            out.append(f"service {name}: no Dockerfile at {build.get('dockerfile', 'Dockerfile')}")
    return out


def main() -> int:
    path = Path(sys.argv[1])
    found = problems_of(path)
    for problem in found:
        print(f"  {path}: {problem}")
    if not found:
        print(f"  {path}: structure ok")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
