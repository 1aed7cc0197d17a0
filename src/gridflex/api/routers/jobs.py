"""Job status: what clients poll after a trigger."""

from __future__ import annotations

from fastapi import APIRouter

from gridflex import permissions
from gridflex.api.deps import CurrentUser, SessionDep
from gridflex.api.responses import JSON
from gridflex.jobs import expire_overdue, get_job, job_info

router = APIRouter(prefix="/api/v3_0/jobs", tags=["jobs"])


@router.get("/{uuid}", summary="Get the status (and result) of a background job")
def read_job(uuid: str, user: CurrentUser, session: SessionDep) -> JSON:
    """202 while queued or running, 200 with status FINISHED when done, 422 with the reason when failed."""
    expire_overdue(session)
    job = get_job(session, uuid)
    permissions.require(permissions.reads_everything(user) or job.account_id == user.account_id)
    info = job_info(job)
    return JSON(info.body, status_code=info.http_status)
