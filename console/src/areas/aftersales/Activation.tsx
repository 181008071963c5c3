// Seller activation (开通自主售后): the seller's staff apply with a three-level return address
// picked province → city → district from the API's divisions, then street and contact; the
// applications below show their state and, for a rejected one, why and whether to apply again.
// An operations supervisor approves or rejects (with the reason the seller reads) the
// applications whose `can_review` the API sets: never their own, only while they wait.
import "../../i18n/reportsTexts";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Card, Cascader, Col, Empty, Form, Input, Popconfirm, Row, Space, Table, Tag, message, type TableColumnsType } from "antd";
import { useState } from "react";
import { api, unwrap, type Schemas } from "../../api/client";
import { errorText } from "../../api/errors";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/i18n";
import { dateTime } from "../../shared/format";
import { useIdempotentAction } from "../../shared/idempotency";
import { ListError } from "../../shared/ListError";
import { ReasonDialog } from "../../shared/ReasonDialog";
import { PHONE_SHAPE } from "../../shared/urlFilters";
import { applyForActivation, reviewActivation } from "./commands";

export interface Division {
  value: string;
  label: string;
  isLeaf: boolean;
  children?: Division[];
  loading?: boolean;
}

export async function divisions(parent?: string): Promise<Division[]> {
  const page = await unwrap(api.GET("/api/v1/aftersales/regions", { params: { query: { parent } } }));
  return page.items.map((r) => ({ value: r.code, label: r.name, isLeaf: !r.has_children }));
}

/** Province, city and district by name, from the picker's chosen options. Where the national
 * list ends above the district (东莞市, Hong Kong) the missing levels are empty. */
export function addressLevels(chosen: { label?: unknown; isLeaf?: boolean }[]): [string, string, string] | null {
  const names = chosen.map((o) => String(o.label ?? ""));
  const complete = names.length === 3 || (names.length > 0 && chosen[chosen.length - 1]?.isLeaf === true);
  if (!complete || !names.every(Boolean)) return null;
  return [names[0] ?? "", names[1] ?? "", names[2] ?? ""];
}

interface Fields {
  seller_id: string;
  region: string[];
  street: string;
  contact_name: string;
  contact_phone: string;
}

function AddressPicker(props: { id?: string; value?: string[]; onChange?: (v: string[], chosen: Division[]) => void }) {
  const { t, lang } = useI18n();
  const [options, setOptions] = useState<Division[]>([]);
  const provinces = useQuery({ queryKey: ["aftersales", "regions"], queryFn: () => divisions() });
  const shown = options.length > 0 ? options : (provinces.data ?? []);
  if (provinces.isError) return <Alert type="error" showIcon message={errorText(provinces.error, lang)} />;
  return (
    <Cascader<Division>
      id={props.id}
      placeholder={t("region_hint")}
      options={shown}
      value={props.value}
      changeOnSelect={false}
      loadData={(chosen) => {
        const target = chosen[chosen.length - 1];
        if (!target) return;
        target.loading = true;
        void divisions(target.value).then((below) => {
          target.loading = false;
          target.children = below;
          setOptions([...shown]);
        });
      }}
      onChange={(value, chosen) => props.onChange?.(value as string[], chosen as Division[])}
    />
  );
}

function ApplyForm({ onApplied }: { onApplied: () => void }) {
  const { t, lang } = useI18n();
  const [form] = Form.useForm<Fields>();
  const [levels, setLevels] = useState<[string, string, string] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const apply = useIdempotentAction(applyForActivation);
  const submit = (f: Fields) => {
    if (!levels) return;
    setError(null);
    const [province, city, district] = levels;
    apply
      .run({
        seller_id: f.seller_id.trim(),
        return_address: {
          province,
          city,
          district,
          street: f.street.trim(),
          contact_name: f.contact_name.trim(),
          contact_phone: f.contact_phone.trim(),
        },
      })
      .then(() => {
        void message.success(t("activation_sent"));
        form.resetFields();
        setLevels(null);
        onApplied();
      }, setError);
  };
  return (
    <Card title={t("activation_apply")} size="small" style={{ marginBottom: 16 }}>
      <p>{t("activation_hint")}</p>
      <Form<Fields> form={form} layout="vertical" onFinish={submit} aria-label={t("activation_apply")}>
        <Row gutter={16}>
          <Col span={8}>
            <Form.Item label={t("seller_id")} name="seller_id" rules={[{ required: true, pattern: /^[A-Za-z0-9_.:-]{1,64}$/, message: t("seller_id_invalid") }]}>
              <Input />
            </Form.Item>
          </Col>
          <Col span={16}>
            <Form.Item
              label={t("region")}
              name="region"
              required
              rules={[{ validator: () => (levels ? Promise.resolve() : Promise.reject(new Error(t("region_required")))) }]}
            >
              <AddressPicker onChange={(_, chosen) => setLevels(addressLevels(chosen))} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item label={t("street")} name="street" rules={[{ required: true, whitespace: true, message: t("street_required") }]}>
              <Input maxLength={200} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item label={t("contact_name")} name="contact_name" rules={[{ required: true, whitespace: true, message: t("contact_required") }]}>
              <Input maxLength={50} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item label={t("contact_phone")} name="contact_phone" rules={[{ required: true, pattern: PHONE_SHAPE, message: t("phone_invalid") }]}>
              <Input inputMode="numeric" maxLength={11} />
            </Form.Item>
          </Col>
        </Row>
        <Button type="primary" htmlType="submit" loading={apply.running}>
          {t("activation_submit")}
        </Button>
      </Form>
      {error !== null && <Alert type="error" showIcon role="alert" message={errorText(error, lang)} style={{ marginTop: 12 }} />}
    </Card>
  );
}

const STATUS_COLOR = { pending_review: "blue", approved: "green", rejected: "red" } as const;

/** Approve, or reject with a reason: offered only where the API says this user may review it now. */
export function ReviewButtons({ activation, onReviewed }: { activation: Schemas["ActivationOut"]; onReviewed: () => void }) {
  const { t, lang } = useI18n();
  const review = useIdempotentAction(reviewActivation);
  const [rejecting, setRejecting] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (!activation.can_review) return null;
  const seller = activation.seller_id;
  const send = (body: Schemas["ActivationReviewIn"]) => {
    setError(null);
    review.run({ sellerId: seller, body }).then(
      () => {
        setRejecting(false);
        void message.success(t("done"));
        onReviewed();
      },
      setError,
    );
  };
  return (
    <Space size="small" wrap>
      <Popconfirm title={t("activation_approve_confirm")} okText={t("confirm")} cancelText={t("cancel")} onConfirm={() => send({ decision: "approve" })}>
        <Button size="small" type="primary" loading={review.running && !rejecting} aria-label={`${t("activation_do_approve")} ${seller}`}>
          {t("activation_do_approve")}
        </Button>
      </Popconfirm>
      <Button size="small" danger onClick={() => setRejecting(true)} aria-label={`${t("activation_do_reject")} ${seller}`}>
        {t("activation_do_reject")}
      </Button>
      <ReasonDialog
        open={rejecting}
        title={`${t("activation_do_reject")} ${seller}`}
        hint={t("activation_reject_hint")}
        busy={review.running}
        error={error}
        onConfirm={(reason) => send({ decision: "reject", reason })}
        onCancel={() => {
          review.end();
          setError(null);
          setRejecting(false);
        }}
      />
      {error !== null && !rejecting && <Alert type="error" showIcon role="alert" message={errorText(error, lang)} />}
    </Space>
  );
}

export default function Activation() {
  const { t } = useI18n();
  const { can } = useAuth();
  const client = useQueryClient();
  const list = useQuery({
    queryKey: ["aftersales", "activations"],
    queryFn: () => unwrap(api.GET("/api/v1/aftersales/activations", { params: { query: { limit: 50 } } })),
  });
  const columns: TableColumnsType<Schemas["ActivationOut"]> = [
    { title: t("seller_id"), dataIndex: "seller_id" },
    {
      title: t("activation_status"),
      dataIndex: "status",
      render: (s: keyof typeof STATUS_COLOR) => <Tag color={STATUS_COLOR[s]}>{t(`activation_${s}`)}</Tag>,
    },
    {
      title: t("return_address"),
      key: "address",
      render: (_, a) =>
        `${a.return_address.province} ${a.return_address.city} ${a.return_address.district} ${a.return_address.street}`,
    },
    { title: t("contact_name"), key: "contact", render: (_, a) => `${a.return_address.contact_name} ${a.return_address.contact_phone}` },
    { title: t("rejection_reason"), dataIndex: "rejection_reason", render: (v: string | null) => v ?? "—" },
    { title: t("attempts"), dataIndex: "attempts" },
    { title: t("submitted_at"), dataIndex: "submitted_at", render: (v: string) => dateTime(v) },
    {
      title: t("can_apply_again"),
      dataIndex: "can_apply_again",
      render: (v: boolean) => (v ? <Tag color="orange">{t("apply_again")}</Tag> : ""),
    },
    {
      title: t("activation_review"),
      key: "review",
      render: (_, a) => <ReviewButtons activation={a} onReviewed={() => void client.invalidateQueries({ queryKey: ["aftersales", "activations"] })} />,
    },
  ];
  return (
    <>
      <h2>{t("menu_aftersales_activation")}</h2>
      {can("POST /api/v1/aftersales/activations") && (
        <ApplyForm onApplied={() => void client.invalidateQueries({ queryKey: ["aftersales", "activations"] })} />
      )}
      {list.isError && <ListError error={list.error} retry={() => void list.refetch()} />}
      <Table<Schemas["ActivationOut"]>
        rowKey="seller_id"
        size="middle"
        loading={list.isFetching}
        dataSource={list.data?.items ?? []}
        pagination={false}
        scroll={{ x: "max-content" }}
        locale={{ emptyText: <Empty description={t("empty")} /> }}
        columns={columns}
      />
    </>
  );
}
