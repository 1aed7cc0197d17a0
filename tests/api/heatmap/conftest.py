"""A DSO account with a member, for the heatmap API tests (on SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Actor


@pytest.fixture
def dso(world: Any) -> Actor:
    """A user of a DSO account: may import into the registry and publish."""
    account = world.account("Northern Networks", roles=["DSO"])
    return world.user(account)
