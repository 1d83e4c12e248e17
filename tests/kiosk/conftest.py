"""Fixtures for the kiosk's tests: a real server on loopback with a province, kiosks on demand."""

import pytest

from tests.kiosk.support import Site, build_province
from tests.support import ServerProcess


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    database = tmp_path_factory.mktemp("kiosk-site") / "site.db"
    build_province(database)
    with ServerProcess(database, MISUSE_INTERVAL_SECONDS=0.5) as server:
        yield Site(database, server)
