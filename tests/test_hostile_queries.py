"""Values seen in real logs never cause a 500: each is refused or read safely."""

import pytest

pytestmark = pytest.mark.django_db
HUGE = "9" * 25


@pytest.mark.parametrize(
    "url",
    [
        f"/units/{HUGE}/",
        f"/indicators/{HUGE}/",
        f"/api/v1/units/{HUGE}/board/",
        f"/api/v1/indicators/{HUGE}/series/",
        f"/api/v1/work-lists/{HUGE}/",
        f"/imports/{HUGE}/file/",
        f"/notices/{HUGE}/",
        f"/api/v1/notices/{HUGE}/",
        f"/report/?unit={HUGE}",
        f"/report/history/?unit={HUGE}&period=2023-06",
        "/?year=²",
        "/units/?year=99999999999",
        "/ranking/?year=²",
        "/api/v1/ranking/?year=²",
        "/api/v1/progress/?year=²&indicator=²",
        "/report/?period=9999-12",
        "/indicators/1/?year=²&page=²&sort=²",
        f"/hazards/{HUGE}/",
        f"/hazards/{HUGE}/edit/",
        f"/hazards/evidence/{HUGE}/",
        f"/api/v1/hazards/{HUGE}/",
        f"/hazards/?town={HUGE}&kind=²&state=²&grade=²&page=²",
        "/hazards/?page=99999999999",
        "/indicators/4/?page=9223372036854775807",
        f"/indicators/4/?page={HUGE}",
        "/api/v1/hazards/?town=²&kind=²&limit=²",
    ],
)
def test_hostile_query_values_never_cause_a_500(client, admin_user, url):
    client.force_login(admin_user)
    response = client.get(url)
    assert response.status_code < 500, url
    if url.startswith("/api/"):
        assert response["Content-Type"].startswith("application/json"), url


@pytest.mark.parametrize(
    "url",
    [
        f"/review/{HUGE}/decide/",
        f"/review/{HUGE}/reopen/",
        f"/report/{HUGE}/withdraw/",
        f"/hazards/{HUGE}/review/",
        f"/hazards/{HUGE}/edit/",
    ],
)
def test_hostile_path_ids_never_cause_a_500(client, admin_user, url):
    client.force_login(admin_user)
    response = client.post(url, {"version": "²"})
    assert response.status_code in (403, 404), url


@pytest.mark.parametrize("page", ["9223372036854775807", HUGE, "0", "-1", "²"])
def test_a_page_number_past_any_page_is_a_chinese_400(client, admin_user, page, record):
    record("区建设局", 4, "2023-06", "150")  # a table with a row to page through
    client.force_login(admin_user)
    response = client.get(f"/indicators/4/?year=2023&page={page}")
    assert response.status_code == 400
    assert "页码" in response.content.decode()
