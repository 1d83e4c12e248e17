"""Fixtures for the dossier component: a province with counters and officers, tokens, events."""

import pytest

from tests.dossiers.support import STAFF, integration_token, make_app
from tests.support import add_offices, auth


@pytest.fixture
def dossier_app(database):
    return add_offices(make_app(database), staff=STAFF)


@pytest.fixture
def integration(dossier_app):
    return auth(integration_token(dossier_app))
