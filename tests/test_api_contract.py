"""The API's contract: the schema says what is sent, every error has one JSON shape,
and each status code the schema documents happens for the reason it gives."""

import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tasks.models import ChecklistItem
from units.models import Unit
from units.roles import Role
from yuecheng_housing.handlers import server_error

pytestmark = pytest.mark.django_db

PROGRESS = "/api/v1/progress/"
# Every status code the API documents; each has a test below.
DOCUMENTED = {200, 201, 400, 401, 403, 404, 405, 409, 414, 415, 429}


def assert_error(response, status: int, code: str) -> dict:
    """The one error shape: JSON with a stable code and a Chinese detail."""
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"]), body["detail"]
    assert set(body) <= {"code", "detail", "errors"}
    return body


@pytest.fixture
def schema(official_client) -> dict:
    return official_client.get(reverse("api:schema"), {"format": "json"}).json()


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def concrete(path: str) -> str:
    unit = Unit.objects.get(name="区建设局")
    return (
        path.replace("{code}", "2")
        .replace("{unit_id}", str(unit.pk))
        .replace("{year}", "2023")
        .replace("{period}", "2023-06")
        .replace("{case_id}", "1")
        .replace("{notice_id}", "1")
        .replace("{item_id}", "1")
        .replace("{objection_id}", "1")
        .replace("{project_id}", "1")
    )


@pytest.fixture
def reporter_client(make_user, plan):
    client = Client()
    client.force_login(make_user("r", Role.REPORTER, ["区建设局"]))
    return client


def post(client, url=PROGRESS, **data):
    body = {"indicator": 2, "unit": "区建设局", "period": "2023-06", "value": 1.2}
    body.update(data)
    return client.post(url, body, content_type="application/json")


def test_the_schema_is_valid_and_generates_without_warnings(plan, tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/v1/units/{unit_id}/board/" in text and "ApiError" in text


def test_every_documented_status_is_one_this_suite_tests(schema):
    documented = {
        int(status)
        for _, _, operation in operations(schema)
        for status in operation["responses"]
    }
    assert documented == DOCUMENTED
    for path, method, operation in operations(schema):
        # The web server's 414 (checked by deploy/smoke.sh) is its own page.
        assert "content" not in operation["responses"]["414"], (path, method)
        for status, response in operation["responses"].items():
            if int(status) >= 400 and status != "414":
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ApiError"), (path, method, status)


def test_the_schema_states_the_servers_rules(schema):
    params = {
        (path, p["name"]): p["schema"]
        for path, item in schema["paths"].items()
        for operation in item.values()
        for p in operation.get("parameters", [])
    }
    assert params[("/api/v1/progress/", "year")] == {
        "type": "integer",
        "minimum": 2023,
        "maximum": 2027,
    }
    assert "区建设局" in params[("/api/v1/progress/", "unit")]["enum"]
    assert params[("/api/v1/notices/{period}/", "period")]["pattern"].startswith("^20")
    body = schema["components"]["schemas"]["ProgressInRequest"]["properties"]
    assert body["value"]["type"] == "number" and body["value"]["minimum"] == 0
    assert body["version"]["minimum"] == 0
    assert body["indicator"]["maximum"] == 14
    out = schema["components"]["schemas"]["ProgressOut"]["properties"]
    assert out["value"]["type"] == "number"


def test_the_schema_and_its_pages_are_for_logged_in_users(official_client):
    client = Client()  # the `client` fixture is the official's, logged in
    assert_error(client.get(reverse("api:schema")), 401, "not_authenticated")
    response = client.get(reverse("api:docs"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    page = official_client.get(reverse("api:docs")).content.decode()
    # Swagger UI from our own static files: the intranet has no CDN.
    assert "swagger-ui" in page and "cdn" not in page.lower()
    assert "drf_spectacular_sidecar" in page


def test_every_operation_answers_401_without_credentials(schema):
    client = Client()
    for path, method, _ in operations(schema):
        response = client.generic(method.upper(), concrete(path))
        body = assert_error(response, 401, "not_authenticated")
        assert response["WWW-Authenticate"] == "Token", (path, method)
        assert "身份认证信息未提供" in body["detail"]


def test_a_bad_token_is_401_and_a_good_one_acts_as_its_account(client, plan):
    response = client.get("/api/v1/units/", HTTP_AUTHORIZATION="Token nonsense")
    assert_error(response, 401, "authentication_failed")
    out = io.StringIO()
    call_command("add_user", "sys", "--role", "reporter", "--unit", "区建设局",
                 stdout=io.StringIO())  # fmt: skip
    call_command("api_token", "sys", stdout=out, stderr=io.StringIO())
    key = out.getvalue().strip()
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert client.get("/api/v1/units/", **auth).status_code == 200
    # The token can do what its account can: its own unit, not another.
    body = {"indicator": 2, "unit": "区建设局", "period": "2023-06", "value": 1.2}
    response = client.post(PROGRESS, body, content_type="application/json", **auth)
    assert response.status_code == 201 and response.json()["updated_by"] == "sys"
    response = client.post(
        PROGRESS, {**body, "unit": "区民政局"}, content_type="application/json", **auth
    )
    assert_error(response, 403, "permission_denied")


def test_rotating_or_revoking_a_token_stops_the_old_key_at_once(client, make_user):
    old = Token.objects.create(user=make_user("x", Role.OFFICIAL)).key
    call_command("api_token", "x", "--rotate", stdout=(out := io.StringIO()),
                 stderr=io.StringIO())  # fmt: skip
    new = out.getvalue().strip()
    assert new != old
    assert_error(
        client.get("/api/v1/units/", HTTP_AUTHORIZATION=f"Token {old}"),
        401,
        "authentication_failed",
    )
    assert (
        client.get("/api/v1/units/", HTTP_AUTHORIZATION=f"Token {new}").status_code
        == 200
    )
    call_command(
        "api_token", "x", "--revoke", stdout=io.StringIO(), stderr=io.StringIO()
    )
    assert (
        client.get("/api/v1/units/", HTTP_AUTHORIZATION=f"Token {new}").status_code
        == 401
    )


def test_tokens_are_only_for_active_accounts(make_user):
    user = make_user("gone", Role.REPORTER, ["区建设局"])
    user.is_active = False
    user.save()
    with pytest.raises(CommandError, match="已停用"):
        call_command("api_token", "gone", stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="没有账号"):
        call_command("api_token", "nobody", stdout=io.StringIO(), stderr=io.StringIO())


def test_forbidden_writes_are_403(official_client, reporter_client):
    body = assert_error(post(official_client), 403, "permission_denied")
    assert "区建设局" in body["detail"] or "无权" in body["detail"]
    assert_error(post(reporter_client, unit="区民政局"), 403, "permission_denied")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/units/abc/board/",  # not an integer: no route at all
        "/api/v1/nothing/",
        "/api/v2/indicators/",
        "/api/",
        "/api/v1/indicators/15/series/",
        "/api/v1/notices/2099-01/",
        "/api/v1/work-lists/2031/",
    ],
)
@pytest.mark.parametrize("debug", [False, True])
def test_unknown_resources_are_json_404s_even_in_debug(official_client, path, debug):
    with override_settings(DEBUG=debug):
        assert_error(official_client.get(path), 404, "not_found")


def test_a_method_an_operation_lacks_is_405_with_allow(official_client):
    response = official_client.delete("/api/v1/units/")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_stale_first_writes_and_locked_months_are_409(reporter_client, record):
    assert post(reporter_client, version=0).status_code == 201
    # Version 0 says "nothing was stored": someone stored something first.
    body = assert_error(post(reporter_client, version=0, value=1.3), 409, "stale")
    assert "已被他人修改" in body["detail"]
    record("区建设局", 3, "2023-07", "0.15")  # approved: July is locked
    assert_error(post(reporter_client, indicator=3, period="2023-07"), 409, "locked")


def test_a_body_that_is_not_json_is_415_or_400(reporter_client):
    response = reporter_client.post(PROGRESS, {"indicator": "2"})  # form-encoded
    assert_error(response, 415, "unsupported_media_type")
    response = reporter_client.post(PROGRESS, "{oops", content_type="application/json")
    body = assert_error(response, 400, "parse_error")
    assert body["detail"] == "请求体不是有效的 JSON。"


def test_too_many_requests_are_429_with_retry_after(official_client):
    cache.clear()
    with override_settings(API_RATE_LIMIT="3/min"):
        for _ in range(3):
            assert official_client.get("/api/v1/units/").status_code == 200
        response = official_client.get("/api/v1/units/")
    body = assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0 and "秒后再试" in body["detail"]
    cache.clear()


@pytest.mark.parametrize(
    "url, parameter",
    [
        ("/api/v1/progress/?year=abc", "year"),
        ("/api/v1/progress/?year=0", "year"),
        ("/api/v1/progress/?year=２０２４", "year"),
        ("/api/v1/progress/?unit=", "unit"),
        ("/api/v1/progress/?unit=nobody", "unit"),
        ("/api/v1/progress/?indicator=x", "indicator"),
        ("/api/v1/progress/?indicator=15", "indicator"),
        ("/api/v1/progress/?limit=0", "limit"),
        ("/api/v1/progress/?limit=abc", "limit"),
        ("/api/v1/progress/?offset=-1", "offset"),
        ("/api/v1/ranking/?year=abc", "year"),
        ("/api/v1/ranking/?year=", "year"),
        ("/api/v1/ranking/?year=2024&year=2025", "year"),
        ("/api/v1/progress/?unit=1&year=2024&year=2024", "year"),
        ("/api/v1/indicators/?year=²", "year"),
        ("/api/v1/units/{unit}/board/?year=1999", "year"),
    ],
)
def test_a_bad_query_value_is_a_400_naming_it(official_client, url, parameter):
    url = url.replace("{unit}", str(Unit.objects.get(name="区建设局").pk))
    body = assert_error(official_client.get(url), 400, "invalid")
    assert list(body["errors"]) == [parameter]


def test_lists_that_grow_are_paged(official_client, record):
    for month in ("2023-01", "2023-02", "2023-03"):
        record("区建设局", 2, month, "1.3")
    page = official_client.get(f"{PROGRESS}?limit=2").json()
    assert page["count"] == 3 and len(page["results"]) == 2
    assert "offset=2" in page["next"]
    rest = official_client.get(page["next"]).json()
    assert [r["period"] for r in rest["results"]] == ["2023-03"]


def test_an_error_inside_a_view_is_a_json_500(official, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("dashboard.api.unit_ranking", broken)
    client = Client(raise_request_exception=False)
    client.force_login(official)
    body = assert_error(client.get("/api/v1/ranking/"), 500, "server_error")
    assert "boom" not in body["detail"]


def test_djangos_500_handler_answers_json_under_the_api():
    request = RequestFactory().get("/api/v1/units/")
    response = server_error(request)
    assert response.status_code == 500
    assert json.loads(response.content)["code"] == "server_error"
    page = server_error(RequestFactory().get("/units/"))
    assert page["Content-Type"].startswith("text/html")


def test_nothing_under_the_api_answers_html(reporter_client):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(User.objects.get(username="r"))
    # A POST to an unknown path, with a session and no CSRF token: a 404, not a
    # CSRF refusal page.
    assert_error(strict.post("/api/v1/units"), 404, "not_found")
    response = strict.post(PROGRESS, {"indicator": 2}, content_type="application/json")
    assert_error(response, 403, "permission_denied")
    bad_host = reporter_client.get("/api/v1/units/", HTTP_HOST="evil.example")
    assert_error(bad_host, 400, "bad_request")


@pytest.mark.parametrize(
    "data, field",
    [
        ({"value": 10**400}, "value"),  # too big for a float: not a 500
        ({"unit": " 区建设局 "}, "unit"),
    ],
)
def test_values_the_schema_forbids_are_refused(reporter_client, data, field):
    body = assert_error(post(reporter_client, **data), 400, "invalid")
    assert field in body["errors"]


@pytest.mark.parametrize(
    "day", ["20230601", "2023-6-1", "2023-W01-1", "２０２３-06-01"]
)
def test_a_completion_date_is_exactly_yyyy_mm_dd(reporter_client, day):
    item = ChecklistItem.objects.get(entry__seq=12, position=1)
    response = reporter_client.post(
        "/api/v1/task-progress/",
        {"item": item.pk, "unit": "区建设局", "period": "2023-06", "status": "done",
         "completed_on": day},
        content_type="application/json",
    )  # fmt: skip
    body = assert_error(response, 400, "invalid")
    assert "completed_on" in body["errors"]


def test_a_body_nested_too_deep_is_a_parse_error(reporter_client):
    response = reporter_client.post(
        PROGRESS, "[" * 100_000, content_type="application/json"
    )
    assert_error(response, 400, "parse_error")
