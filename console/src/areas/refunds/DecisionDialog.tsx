// A step's decision: approve (a comment, or the finding for technical verification) or send
// back (a comment required). The OK button enables only when what is required is typed.
import { Alert, Form, Input, Modal } from "antd";
import { useState } from "react";
import { errorText } from "../../api/errors";
import { useI18n } from "../../i18n/i18n";
import type { ReviewStep } from "./labels";
import "../../i18n/refundTexts";

export type Decision = "approve" | "send_back";

/** Whether this decision needs a comment: a send-back always, technical verification its finding. */
export function commentRequired(step: ReviewStep, decision: Decision): boolean {
  return decision === "send_back" || step === "tech_verification";
}

export function DecisionDialog(props: {
  step: ReviewStep;
  decision: Decision;
  open: boolean;
  busy: boolean;
  error: unknown;
  onConfirm: (opinion: string) => void;
  onCancel: () => void;
}) {
  const { t, lang } = useI18n();
  const [opinion, setOpinion] = useState("");
  const needed = commentRequired(props.step, props.decision);
  const ready = !needed || opinion.trim().length > 0;
  const title = `${t(`step_${props.step}`)}: ${t(props.decision === "approve" ? "approve" : "send_back")}`;
  return (
    <Modal
      open={props.open}
      title={title}
      okText={t("confirm")}
      cancelText={t("cancel")}
      okButtonProps={{ disabled: !ready, loading: props.busy }}
      onOk={() => ready && props.onConfirm(opinion.trim())}
      onCancel={props.onCancel}
      afterClose={() => setOpinion("")}
      destroyOnHidden
      maskClosable={false}
    >
      <Form layout="vertical">
        <Form.Item
          label={t("comment")}
          required={needed}
          htmlFor="decision-opinion"
          help={!ready ? t(props.decision === "send_back" ? "comment_required" : "finding_required") : undefined}
        >
          <Input.TextArea
            id="decision-opinion"
            value={opinion}
            onChange={(e) => setOpinion(e.target.value)}
            autoFocus
            rows={3}
            maxLength={1000}
          />
        </Form.Item>
      </Form>
      {props.error !== null && props.error !== undefined && (
        <Alert type="error" showIcon role="alert" message={errorText(props.error, lang)} />
      )}
    </Modal>
  );
}
