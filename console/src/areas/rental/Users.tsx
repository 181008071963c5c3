// The user list (用户列表, seed 001 2.2): search by phone (whole or last four digits), name,
// user id, status, blacklist; masked phones as the API masks them; each row opens the detail.
import "../../i18n/rentalTexts";
import { Form, Input, Select, Space, Tag } from "antd";
import { Link } from "react-router-dom";
import { api, unwrap, type Schemas } from "../../api/client";
import { useI18n } from "../../i18n/i18n";
import { dateTime } from "../../shared/format";
import { ListPage, useListQuery, type Paging } from "../../shared/ListPage";
import type { Filters } from "../../shared/urlFilters";
import { cardTypeLabel, STATUS_COLOR, USER_STATUSES, userStatusLabel, type UserStatus } from "./labels";

const FILTERS = ["phone", "name", "user_id", "status", "blacklisted", "deleted"] as const;
type Key = (typeof FILTERS)[number];
/** The whole number or its last four digits, as the API searches. */
export const PHONE_OR_LAST4 = /^(1\d{10}|\d{4})$/;

export function StatusTag({ status }: { status: string }) {
  const { t } = useI18n();
  return <Tag color={STATUS_COLOR[status]}>{t(userStatusLabel(status))}</Tag>;
}

export function UserFlags({ user }: { user: Pick<Schemas["RentalUserOut"], "blacklisted" | "deleted"> }) {
  const { t } = useI18n();
  return (
    <>
      {user.blacklisted && <Tag color="red">{t("r_blacklisted")}</Tag>}
      {user.deleted && <Tag color="default">{t("r_deleted")}</Tag>}
    </>
  );
}

function fetchUsers(filters: Filters<Key>, paging: Paging) {
  const query = {
    phone: filters.phone,
    name: filters.name,
    user_id: filters.user_id,
    status: filters.status as UserStatus | undefined,
    blacklisted: filters.blacklisted === undefined ? undefined : filters.blacklisted === "true",
    deleted: filters.deleted as "only" | "include" | undefined,
    ...paging,
  };
  return unwrap(api.GET("/api/v1/rental/users", { params: { query } }));
}

export default function Users() {
  const { t } = useI18n();
  const list = useListQuery(FILTERS, ["rental", "users"], fetchUsers);
  return (
    <ListPage
      list={list}
      title={t("menu_r_users")}
      fields={
        <>
          <Form.Item label={t("phone")} name="phone" rules={[{ pattern: PHONE_OR_LAST4, message: t("r_phone_or_last4") }]}>
            <Input allowClear maxLength={11} inputMode="numeric" style={{ width: 150 }} />
          </Form.Item>
          <Form.Item label={t("r_name")} name="name">
            <Input allowClear style={{ width: 110 }} />
          </Form.Item>
          <Form.Item label={t("user_id")} name="user_id">
            <Input allowClear style={{ width: 160 }} />
          </Form.Item>
          <Form.Item label={t("r_user_status")} name="status">
            <Select
              allowClear
              style={{ width: 120 }}
              placeholder={t("any")}
              options={USER_STATUSES.map((s) => ({ value: s, label: t(userStatusLabel(s)) }))}
            />
          </Form.Item>
          <Form.Item label={t("r_blacklist")} name="blacklisted">
            <Select
              allowClear
              style={{ width: 110 }}
              placeholder={t("any")}
              options={[
                { value: "true", label: t("r_blacklisted") },
                { value: "false", label: t("r_not_blacklisted") },
              ]}
            />
          </Form.Item>
          <Form.Item label={t("r_deleted")} name="deleted">
            <Select
              allowClear
              style={{ width: 120 }}
              placeholder={t("r_deleted_hidden")}
              options={[
                { value: "only", label: t("r_deleted_only") },
                { value: "include", label: t("r_deleted_include") },
              ]}
            />
          </Form.Item>
        </>
      }
      table={{
        rowKey: "user_id",
        columns: [
          { title: t("user_id"), dataIndex: "user_id" },
          { title: t("r_name"), dataIndex: "name" },
          { title: t("phone"), dataIndex: "phone" },
          { title: t("r_card_type"), dataIndex: "card_type", render: (v: string) => t(cardTypeLabel(v)) },
          { title: t("r_registered_at"), dataIndex: "registered_at", render: (v: string) => dateTime(v) },
          {
            title: t("r_user_status"),
            key: "status",
            render: (_, u) => (
              <Space size={4}>
                <StatusTag status={u.status} />
                <UserFlags user={u} />
              </Space>
            ),
          },
          {
            title: t("details"),
            key: "open",
            render: (_, u) => (
              <Space>
                <Link to={`/rental/users/${encodeURIComponent(u.user_id)}`} aria-label={`${t("details")} ${u.user_id}`}>
                  {t("details")}
                </Link>
                <Link to={`/rental/accounts/${encodeURIComponent(u.user_id)}`}>{t("r_account")}</Link>
                <Link to={`/rental/orders?user_id=${encodeURIComponent(u.user_id)}`}>{t("r_rentals")}</Link>
              </Space>
            ),
          },
        ],
      }}
    />
  );
}
