"""Photos before and after, and documents: checked as the returns' evidence,
served only to whoever may see the project."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from projects.models import ProjectFile
from tests.reporting.test_evidence import PDF, PNG

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(client, project, category: str, name: str, content: bytes) -> str:
    url = f"/projects/{project.kind}/{project.pk}/files/"
    file = SimpleUploadedFile(name, content)
    response = client.post(url, {"category": category, "file": file}, follow=True)
    return response.content.decode()


def test_a_town_photographs_its_project_and_only_its_readers_see_it(
    client, fushan_user, beihai_user, add_project, official
):
    project = add_project()
    client.force_login(fushan_user)
    page = upload(client, project, "before", "改造前.png", PNG)
    assert "已上传改造前照片：改造前.png" in page
    page = upload(client, project, "document", "验收报告.pdf", PDF)
    photo, report = ProjectFile.objects.order_by("pk")
    assert f'<img src="/projects/files/{photo.pk}/"' in page
    assert f'href="/projects/files/{report.pk}/">验收报告.pdf</a>' in page
    assert photo.history.get().history_user == fushan_user
    response = client.get(f"/projects/files/{report.pk}/")
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    client.force_login(official)
    assert client.get(f"/projects/files/{photo.pk}/").status_code == 200
    client.force_login(beihai_user)
    assert client.get(f"/projects/files/{photo.pk}/").status_code == 404
    # Nor may another town add files to it.
    page = upload(client, project, "after", "改造后.png", PNG)
    assert ProjectFile.objects.count() == 2


def test_a_photo_must_be_a_picture_and_any_file_is_checked_by_content(
    client, fushan_user, add_project, tmp_path
):
    project = add_project()
    client.force_login(fushan_user)
    page = upload(client, project, "after", "改造后.pdf", PDF)
    assert "不是照片（JPEG、PNG 或 GIF）" in page
    page = upload(client, project, "document", "报告.pdf", b"MZ\x90\x00not a pdf")
    assert "不是允许的类型" in page
    assert not ProjectFile.objects.exists() and not list(tmp_path.rglob("*.*"))
