"""Activation with a three-level address and its review; images and permissions."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from services.refund.aftersales.domain import activation as rules
from services.refund.aftersales.domain import images, permissions, quality
from services.refund.aftersales.domain.activation import ActivationStatus, ReturnAddress
from services.refund.aftersales.domain.errors import (
    ActivationAlreadyApproved,
    ActivationNotPending,
    ActivationPending,
    ImageTooLarge,
    InvalidAddress,
    InvalidImage,
    PermissionMissing,
    SameReviewer,
    TooManyImages,
)
from shared.errors import ReasonRequired

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ADDRESS = ReturnAddress("广东省", "深圳市", "南山区", "科技园路1号", "张三", "13800138000")
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize("missing", ["province", "city", "district"])
def test_a_return_address_has_three_levels(missing: str) -> None:
    fields = {**ADDRESS.__dict__, missing: " "}
    with pytest.raises(InvalidAddress, match=missing):
        rules.apply(None, "S1", ReturnAddress(**fields), "seller.a", NOW)


def test_where_the_national_list_has_fewer_levels_the_address_has_fewer() -> None:
    dongguan = ReturnAddress("广东省", "东莞市", " ", "南城街道1号", "李四", "13800138000")
    applied = rules.apply(None, "S1", dongguan, "seller.a", NOW, levels=2)
    assert (applied.address.city, applied.address.district) == ("东莞市", "")
    with pytest.raises(InvalidAddress, match="city"):
        rules.apply(
            None,
            "S1",
            ReturnAddress("广东省", "", "", "x", "李四", "13800138000"),
            "s",
            NOW,
            levels=2,
        )
    hong_kong = ReturnAddress("香港特别行政区", "", "", "皇后大道中1号", "陈五", "13800138000")
    assert rules.apply(None, "S2", hong_kong, "seller.b", NOW, levels=1).address.city == ""
    with pytest.raises(InvalidAddress, match="district"):
        rules.apply(None, "S1", dongguan, "seller.a", NOW)  # three levels unless told


def test_apply_review_reject_and_apply_again() -> None:
    pending = rules.apply(None, "S1", ADDRESS, "seller.a", NOW)
    assert pending.status is ActivationStatus.PENDING_REVIEW
    with pytest.raises(ActivationPending):
        rules.apply(pending, "S1", ADDRESS, "seller.a", NOW)
    with pytest.raises(SameReviewer):
        rules.review(pending, True, None, "seller.a", NOW)
    with pytest.raises(ReasonRequired):
        rules.review(pending, False, " ", "ops.zhao", NOW)
    rejected = rules.review(pending, False, "地址缺少区县", "ops.zhao", NOW)
    assert rejected.status is ActivationStatus.REJECTED
    assert rejected.rejection_reason == "地址缺少区县"
    with pytest.raises(ActivationNotPending):
        rules.review(rejected, True, None, "ops.zhao", NOW)
    again = rules.apply(rejected, "S1", ADDRESS, "seller.a", NOW)
    assert again.status is ActivationStatus.PENDING_REVIEW and again.attempts == 2
    assert again.rejection_reason is None
    approved = rules.review(again, True, None, "ops.zhao", NOW)
    assert approved.status is ActivationStatus.APPROVED
    with pytest.raises(ActivationAlreadyApproved):
        rules.apply(approved, "S1", ADDRESS, "seller.a", NOW)


def test_the_review_flag_is_the_review_commands_rule() -> None:
    pending = rules.apply(None, "S1", ADDRESS, "seller.a", NOW)
    assert rules.review_refusal(pending, "ops.zhao") is None
    assert isinstance(rules.review_refusal(pending, "seller.a"), SameReviewer)
    rejected = rules.review(pending, False, "地址缺少区县", "ops.zhao", NOW)
    assert isinstance(rules.review_refusal(rejected, "ops.zhao"), ActivationNotPending)


def test_images_up_to_three_each_under_800_kb() -> None:
    ok = images.Upload("a.png", "image/png", b64(PNG))
    customer, review = images.ImageKind.CUSTOMER, images.ImageKind.REVIEW
    assert images.decode_all(customer, 0, [ok, ok, ok])[0].data == PNG
    with pytest.raises(TooManyImages):
        images.decode_all(customer, 0, [ok] * 4)
    with pytest.raises(TooManyImages, match="review"):
        images.decode_all(review, 2, [ok, ok])
    just_under = PNG + b"\0" * (800 * 1024 - 1 - len(PNG))
    assert len(images.decode(images.Upload("b.png", "image/png", b64(just_under))).data) == 819199
    with pytest.raises(ImageTooLarge, match="under 800 KB"):
        images.decode(images.Upload("c.png", "image/png", b64(just_under + b"\0")))
    with pytest.raises(ImageTooLarge):
        images.decode(images.Upload("d.png", "image/png", "A" * (images.MAX_BASE64 + 4)))


def test_an_image_is_what_it_says() -> None:
    with pytest.raises(InvalidImage, match="not a image/jpeg"):
        images.decode(images.Upload("a.jpg", "image/jpeg", b64(PNG)))
    with pytest.raises(InvalidImage, match="not base64"):
        images.decode(images.Upload("a.png", "image/png", "***"))
    with pytest.raises(InvalidImage):
        images.decode(images.Upload("a.pdf", "application/pdf", b64(b"%PDF")))
    jpeg = images.decode(images.Upload("a.jpg", "image/jpeg", b64(b"\xff\xd8\xff\xe0rest")))
    assert jpeg.content_type == "image/jpeg"


def test_review_and_processing_are_separate_permissions() -> None:
    reviewer = {permissions.REVIEWER}
    permissions.require(reviewer, frozenset({permissions.REVIEWER}), "reviewing")
    with pytest.raises(PermissionMissing, match="aftersales_processor"):
        permissions.require(reviewer, frozenset({permissions.PROCESSOR}), "processing")
    with pytest.raises(PermissionMissing):
        permissions.require(set(), permissions.SELLER_STAFF, "anything")


@pytest.mark.parametrize(
    ("staff", "auto", "overdue", "opened", "grade"),
    [
        (19, 1, 1, 20, "A"),
        (18, 2, 1, 20, "B"),
        (16, 4, 4, 20, "B"),
        (15, 5, 0, 20, "C"),
        (20, 0, 5, 20, "C"),
        (0, 0, 0, 3, None),
    ],
)
def test_service_quality_is_graded(
    staff: int, auto: int, overdue: int, opened: int, grade: str | None
) -> None:
    rating = quality.rate(quality.QualityFigures(opened, staff, auto, overdue, 0, None))
    assert rating.grade == grade
    if grade is not None:
        assert rating.on_time_percent == staff * 100 // (staff + auto)
