"""Templates: Chinese text with named blanks; a missing blank is an error, never a hole."""

from __future__ import annotations

import pytest

from services.notify.domain.errors import (
    MessageTooLong,
    SecretParamInClear,
    TemplateParamMissing,
    TemplateUnknown,
)
from services.notify.domain.templates import (
    SECRET_MASK,
    TEMPLATES,
    Template,
    joined_params,
    render,
)


def test_the_verification_code_reads_as_the_user_sees_it_and_is_masked_for_staff() -> None:
    rendered = render("verification_code", {"code": "482913", "minutes": 5})
    assert rendered.text == "您的验证码是482913，5分钟内有效。请勿泄露给他人。"
    assert rendered.display_text == f"您的验证码是{SECRET_MASK}，5分钟内有效。请勿泄露给他人。"
    assert "482913" not in rendered.display_text
    assert rendered.title == "验证码" and rendered.template_id == "verification_code"


def test_a_missing_parameter_is_an_error_naming_it() -> None:
    with pytest.raises(TemplateParamMissing) as caught:
        render("points_refunded", {"points": 2000})
    assert caught.value.code == "template_param_missing"
    assert "merchant_order_no" in caught.value.message


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_parameter_counts_as_missing(blank: str) -> None:
    with pytest.raises(TemplateParamMissing):
        render("feedback_rejected", {"feedback_id": "F1", "reason": blank})


def test_an_unknown_template_is_an_error() -> None:
    with pytest.raises(TemplateUnknown) as caught:
        render("no_such_template", {})
    assert caught.value.code == "template_unknown"


def test_extra_parameters_are_ignored_and_values_are_not_reinterpreted() -> None:
    rendered = render(
        "feedback_rejected", {"feedback_id": "F{code}", "reason": "重复提交", "extra": "x"}
    )
    assert rendered.text == "您提交的反馈（编号F{code}）未被受理，原因：重复提交。"


def test_ready_text_passes_through_and_a_title_overrides_the_templates() -> None:
    assert render(None, {}, "系统维护通知").text == "系统维护通知"
    assert render("refund_paid", {"amount": "12.50", "order_no": "O1"}, title="退款").title == (
        "退款"
    )


def test_neither_template_nor_text_is_refused() -> None:
    with pytest.raises(TemplateUnknown):
        render(None, {}, None)


def test_text_beyond_the_bound_is_refused() -> None:
    with pytest.raises(MessageTooLong):
        render(None, {}, "长" * 1001)


@pytest.mark.parametrize("template", list(TEMPLATES.values()), ids=list(TEMPLATES))
def test_every_template_renders_with_its_parameters(template: Template) -> None:
    assert template.params, "a template without blanks is ready text"
    values = {name: f"<{name}>" for name in template.params}
    rendered = render(template.id, values)
    assert all(v in rendered.text for v in values.values())
    assert "{" not in rendered.text
    for name in template.params:
        with pytest.raises(TemplateParamMissing):
            render(template.id, {k: v for k, v in values.items() if k != name})


def test_a_secret_parameter_is_taken_only_sealed() -> None:
    assert joined_params("verification_code", {"minutes": 5}, {"code": "482913"}) == {
        "minutes": 5,
        "code": "482913",
    }
    with pytest.raises(SecretParamInClear) as caught:
        joined_params("verification_code", {"code": "482913", "minutes": 5}, {})
    assert caught.value.code == "secret_param_in_clear" and "482913" not in caught.value.message
    assert joined_params("refund_paid", {"amount": "1"}, {}) == {"amount": "1"}
    assert joined_params(None, {}, {}) == {}
