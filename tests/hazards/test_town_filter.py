"""The register's 镇街 filter offers the towns the reader may see, no others."""

import re

import pytest

pytestmark = pytest.mark.django_db


def _town_options(page: str) -> list[str]:
    select = re.search(r'<select name="town"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', select)


def test_a_town_is_offered_only_its_own_town(client, fushan_user, towns):
    client.force_login(fushan_user)
    assert _town_options(client.get("/hazards/").content.decode()) == ["府山街道"]
    # Asking for a town it cannot see is a bad filter, not an empty list.
    assert client.get(f"/hazards/?town={towns[1].pk}").status_code == 400


def test_readers_of_the_whole_register_are_offered_every_town_in_roster_order(
    official_client, towns
):
    page = official_client.get("/hazards/").content.decode()
    assert _town_options(page) == ["府山街道", "北海街道", "塔山街道"]


def test_another_towns_board_offers_no_link_to_a_register_it_cannot_read(
    client, fushan_user, towns
):
    client.force_login(fushan_user)
    other = client.get(f"/units/{towns[1].pk}/").content.decode()
    assert "查看本镇街危房台账" not in other
    own = client.get(f"/units/{towns[0].pk}/").content.decode()
    assert "查看本镇街危房台账" in own
