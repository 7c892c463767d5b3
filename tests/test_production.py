"""What an operator relies on: the load balancer's probe, evidence files, backups."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_health_check_answers_the_load_balancer_without_login(client):
    response = client.get("/healthz/?format=json")
    assert response.status_code == 200
    assert response.json() and all(v == "OK" for v in response.json().values())
