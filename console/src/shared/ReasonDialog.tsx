// A confirmation that needs a reason (操作原因): the OK button enables only once one is typed.
import { Alert, Form, Input, Modal } from "antd";
import { useState } from "react";
import { errorText } from "../api/errors";
import { useI18n } from "../i18n/i18n";

export interface ReasonDialogProps {
  open: boolean;
  title: string;
  hint: string;
  busy: boolean;
  error: unknown;
  onConfirm: (reason: string) => void;
  onCancel: () => void;
}

export function ReasonDialog({ open, title, hint, busy, error, onConfirm, onCancel }: ReasonDialogProps) {
  const { t, lang } = useI18n();
  const [reason, setReason] = useState("");
  const ready = reason.trim().length > 0;
  return (
    <Modal
      open={open}
      title={title}
      okText={t("confirm")}
      cancelText={t("cancel")}
      okButtonProps={{ disabled: !ready, loading: busy }}
      onOk={() => ready && onConfirm(reason.trim())}
      onCancel={onCancel}
      afterClose={() => setReason("")}
      destroyOnHidden
      maskClosable={false}
    >
      <Form layout="vertical">
        <Form.Item
          label={t("reason")}
          required
          htmlFor="operation-reason"
          help={!ready ? t("reason_required") : undefined}
        >
          <Input.TextArea
            id="operation-reason"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            placeholder={hint}
            autoFocus
            rows={3}
            maxLength={500}
          />
        </Form.Item>
      </Form>
      {error !== null && error !== undefined && <Alert type="error" showIcon role="alert" message={errorText(error, lang)} />}
    </Modal>
  );
}
