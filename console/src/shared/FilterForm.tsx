// Pieces every filter form shares: a from / to pair of dates (the "to" not before the
// "from"), and the Search / Reset buttons.
import { Button, Col, Form, Input, Space } from "antd";
import type { FormRule } from "antd";
import { useI18n } from "../i18n/i18n";

/** The end of a date range may not come before its start (both optional). */
export function notBefore(fromField: string, message: string): FormRule {
  return ({ getFieldValue }) => ({
    validator(_, to?: string) {
      const from = getFieldValue(fromField) as string | undefined;
      return !to || !from || from <= to ? Promise.resolve() : Promise.reject(new Error(message));
    },
  });
}

/** Two date fields, `from` and `to`, the second checked against the first; each in a grid
 * column of `span` when the form is a grid. */
export function DateRangeFields(props: { from: string; to: string; fromLabel: string; toLabel: string; span?: number }) {
  const { t } = useI18n();
  const fields = [
    <Form.Item key="from" label={props.fromLabel} name={props.from}>
      <Input type="date" />
    </Form.Item>,
    <Form.Item key="to" label={props.toLabel} name={props.to} dependencies={[props.from]} rules={[notBefore(props.from, t("date_range_invalid"))]}>
      <Input type="date" />
    </Form.Item>,
  ];
  const { span } = props;
  return (
    <>
      {span
        ? fields.map((field) => (
            <Col key={field.key} span={span}>
              {field}
            </Col>
          ))
        : fields}
    </>
  );
}

export function SearchButtons({ onReset }: { onReset: () => void }) {
  const { t } = useI18n();
  return (
    <Space>
      <Button type="primary" htmlType="submit">
        {t("search")}
      </Button>
      <Button onClick={onReset}>{t("reset")}</Button>
    </Space>
  );
}
