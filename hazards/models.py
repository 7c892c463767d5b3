import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from units.models import Unit
from yuecheng_housing.lib.audit import AuditTrail


class HazardCase(models.Model):
    """A dangerous building (城镇) or house (农村) in a town's register (危房台账).

    One row per building, from the day it is found to the day it is made safe.
    Written only through hazards.services, which validates, scopes to the town and
    keeps the history; the plan's clocks are read from it by hazards.clocks.
    """

    class Kind(models.TextChoices):
        URBAN = "urban", "城镇"
        RURAL = "rural", "农村"

    class Grade(models.TextChoices):
        A = "A", "A级"
        B = "B", "B级"
        C = "C", "C级"
        D = "D", "D级"

    class Remedy(models.TextChoices):
        # How a building was made safe. 解危 is the outcome of any of these (the
        # case's 已解危 state), not a way of remedying: it is no choice here.
        REINFORCE = "reinforce", "加固"
        REBUILD = "rebuild", "拆除重建"
        DEMOLISH = "demolish", "拆除"
        OTHER = "other", "其他"

    town = models.ForeignKey(
        Unit,
        verbose_name="镇街",
        on_delete=models.PROTECT,
        related_name="hazard_cases",
        limit_choices_to={"kind": Unit.Kind.TOWN},
    )
    address = models.CharField("地址", max_length=200)
    kind = models.CharField("类别", max_length=5, choices=Kind.choices)
    hardship = models.BooleanField(
        "困难家庭", default=False, help_text="农村困难家庭的危房，另有救助时限。"
    )
    found_on = models.DateField("发现日期")
    appraised_on = models.DateField("鉴定日期", null=True, blank=True)
    grade = models.CharField(
        "鉴定等级", max_length=1, choices=Grade.choices, blank=True
    )
    evacuated_on = models.DateField("撤离日期", null=True, blank=True)
    remedy = models.CharField(
        "整治方式", max_length=10, choices=Remedy.choices, blank=True
    )
    remedied_on = models.DateField("整治完成日期", null=True, blank=True)
    relief_granted_on = models.DateField("救助到位日期", null=True, blank=True)
    note = models.TextField("备注", max_length=2000, blank=True)
    # Set by a supervising department (区建设局, 区农水局, 区民政局) or an admin.
    reviewed_at = models.DateTimeField("核查时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核查人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    review_comment = models.TextField("核查意见", max_length=2000, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("登记时间", default=timezone.now)
    updated_at = models.DateTimeField("修改时间", default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        on_delete=models.PROTECT,
        related_name="+",
    )

    history = AuditTrail()

    class Meta:
        verbose_name = "危房"
        verbose_name_plural = "危房台账"
        ordering = ["town__position", "found_on", "pk"]
        indexes = [models.Index(fields=["town", "found_on"])]
        # The database keeps what the service checks, for any path that slips past.
        constraints = [
            models.CheckConstraint(
                condition=Q(hardship=False) | Q(kind="rural"),
                name="hazard_hardship_is_rural",
                violation_error_message="困难家庭只适用于农村危房。",
            ),
            models.CheckConstraint(
                condition=Q(evacuated_on__isnull=True) | Q(grade="D"),
                name="hazard_evacuation_needs_grade_d",
                violation_error_message="只有D级危房才填写撤离日期。",
            ),
            models.CheckConstraint(
                condition=Q(appraised_on__isnull=True, grade="")
                | (Q(appraised_on__isnull=False) & ~Q(grade="")),
                name="hazard_appraisal_has_grade",
                violation_error_message="鉴定日期和鉴定等级须同时填写。",
            ),
            models.CheckConstraint(
                condition=Q(appraised_on__isnull=True)
                | Q(appraised_on__gte=F("found_on")),
                name="hazard_appraised_after_found",
                violation_error_message="鉴定日期不能早于发现日期。",
            ),
            models.CheckConstraint(
                condition=Q(remedied_on__isnull=True)
                | Q(appraised_on__isnull=False, remedied_on__gte=F("appraised_on")),
                name="hazard_remedied_after_appraised",
                violation_error_message="整治完成日期不能早于鉴定日期。",
            ),
            models.CheckConstraint(
                condition=Q(relief_granted_on__isnull=True) | Q(hardship=True),
                name="hazard_relief_only_hardship",
                violation_error_message="只有困难家庭的危房才填写救助到位日期。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.town} {self.address}"

    def get_absolute_url(self) -> str:
        return reverse("hazards:detail", args=[self.pk])


def hazard_evidence_path(instance: "HazardEvidence", filename: str) -> str:
    # Stored under a generated name: the uploaded name is kept only as data.
    return f"hazards/{instance.uploaded_at:%Y/%m}/{uuid.uuid4().hex}"


class HazardEvidence(models.Model):
    """A file kept with a case: an appraisal report, photos, a completion record."""

    case = models.ForeignKey(
        HazardCase,
        verbose_name="危房",
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    file = models.FileField("文件", upload_to=hazard_evidence_path)
    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField("文件类型", max_length=100)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        on_delete=models.PROTECT,
        related_name="+",
    )

    history = AuditTrail()

    class Meta:
        verbose_name = "危房佐证材料"
        verbose_name_plural = "危房佐证材料"
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name
