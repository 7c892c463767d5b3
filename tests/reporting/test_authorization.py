"""Who may write what: each role × each write path × own unit / other unit.

When refused, nothing is stored and no audit row is written.
"""

import pytest
from rest_framework.authtoken.models import Token

from reporting.models import IndicatorValue, ItemProgress, MonthlyReport
from tasks.models import ChecklistItem
from units.roles import Role

from ..conftest import form_versions

pytestmark = pytest.mark.django_db


def audit_rows() -> int:
    return (
        IndicatorValue.history.count()
        + ItemProgress.history.count()
        + MonthlyReport.history.count()
    )


@pytest.fixture
def users(plan, make_user):
    return {
        "official": make_user("o", Role.OFFICIAL),
        "reporter": make_user("r", Role.REPORTER, ["区建设局"]),
        "other_reporter": make_user("x", Role.REPORTER, ["区房征办"]),
        "admin": make_user("a", Role.ADMIN, ["区建设局"]),
    }


def item_id() -> int:
    return ChecklistItem.objects.get(entry__seq=1, position=1).pk


PATHS = {
    "form": lambda c: c.post(
        f"/report/?unit={_unit_id()}",
        {
            **form_versions(c, f"/report/?unit={_unit_id()}&period=2023-06"),
            "period": "2023-06",
            "action": "save",
            "ind2-value": "1.2",
        },
    ),
    "api_progress": lambda c: c.post(
        "/api/v1/progress/",
        {"indicator": 2, "unit": "区建设局", "period": "2023-06", "value": 1.2},
        content_type="application/json",
    ),
    "api_task_progress": lambda c: c.post(
        "/api/v1/task-progress/",
        {
            "item": item_id(),
            "unit": "区建设局",
            "period": "2023-06",
            "status": "in_progress",
        },
        content_type="application/json",
    ),
}


def _unit_id() -> int:
    from units.models import Unit

    return Unit.objects.get(name="区建设局").pk


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    "who, allowed",
    [
        ("official", False),
        ("reporter", True),
        ("other_reporter", False),
        ("admin", True),
    ],
)
def test_write_paths_for_区建设局(client, users, path, who, allowed):
    client.force_login(users[who])
    response = PATHS[path](client)
    stored = IndicatorValue.objects.exists() or ItemProgress.objects.exists()
    assert stored == allowed, response.content.decode()[:300]
    if not allowed:
        assert response.status_code == 403
        assert audit_rows() == 0


@pytest.mark.parametrize("who", ["official", "reporter", "other_reporter"])
def test_only_admins_review(client, users, who, record):
    stored = record("区建设局", 2, "2023-06", "1.2", status="submitted")
    client.force_login(users[who])
    assert client.get("/review/").status_code == 403
    response = client.post(
        f"/review/{stored.report_id}/decide/", {"decision": "approve"}
    )
    assert response.status_code == 403
    assert MonthlyReport.objects.get().status == "submitted"


def test_token_clients_write_through_the_same_checks(client, users):
    token = Token.objects.create(user=users["other_reporter"])
    response = client.post(
        "/api/v1/progress/",
        {"indicator": 2, "unit": "区建设局", "period": "2023-06", "value": 1.2},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 403
    assert "无权填报" in response.json()["detail"]
    own = Token.objects.create(user=users["reporter"])
    response = client.post(
        "/api/v1/progress/",
        {"indicator": 2, "unit": "建设局", "period": "2023-06", "value": "1,2"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {own.key}",
    )
    assert response.status_code == 400  # "1,2" is not a number


def test_anonymous_writes_are_refused(client, plan):
    response = PATHS["api_progress"](client)
    assert response.status_code in (401, 403)
    assert not IndicatorValue.objects.exists()
