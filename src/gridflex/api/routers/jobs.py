"""Job status: what clients poll after a trigger."""

from __future__ import annotations

from fastapi import APIRouter

from gridflex.api.deps import ReadableJob
from gridflex.api.responses import JSON
from gridflex.jobs import job_info

router = APIRouter(prefix="/api/v3_0/jobs", tags=["jobs"])


@router.get("/{uuid}", summary="Get the status (and result) of a background job")
def read_job(job: ReadableJob) -> JSON:
    """202 while queued or running, 200 with status FINISHED when done, 422 with the reason when failed."""
    info = job_info(job)
    return JSON(info.body, status_code=info.http_status)
