// The account list (账户列表, seed 001 2.3): balance, deposit, held money and card state per
// customer, searched by phone (whole or last four), name or user id.
import "../../i18n/rentalTexts";
import { Form, Input, Tag } from "antd";
import { Link } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { useI18n } from "../../i18n/i18n";
import { dateTime, yuanFromCents } from "../../shared/format";
import { ListPage, useListQuery, type Paging } from "../../shared/ListPage";
import type { Filters } from "../../shared/urlFilters";
import { cardStateLabel, cardTypeLabel, STATUS_COLOR } from "./labels";
import { PHONE_OR_LAST4 } from "./Users";

const FILTERS = ["phone", "name", "user_id"] as const;
type Key = (typeof FILTERS)[number];

export function CardTag({ state }: { state: string }) {
  const { t } = useI18n();
  return <Tag color={STATUS_COLOR[state]}>{t(cardStateLabel(state))}</Tag>;
}

function fetchAccounts(filters: Filters<Key>, paging: Paging) {
  return unwrap(api.GET("/api/v1/rental/accounts", { params: { query: { ...filters, ...paging } } }));
}

export default function Accounts() {
  const { t } = useI18n();
  const list = useListQuery(FILTERS, ["rental", "accounts"], fetchAccounts);
  return (
    <ListPage
      list={list}
      title={t("menu_r_accounts")}
      fields={
        <>
          <Form.Item label={t("phone")} name="phone" rules={[{ pattern: PHONE_OR_LAST4, message: t("r_phone_or_last4") }]}>
            <Input allowClear maxLength={11} style={{ width: 150 }} />
          </Form.Item>
          <Form.Item label={t("r_name")} name="name">
            <Input allowClear style={{ width: 120 }} />
          </Form.Item>
          <Form.Item label={t("user_id")} name="user_id">
            <Input allowClear style={{ width: 160 }} />
          </Form.Item>
        </>
      }
      table={{
        rowKey: "user_id",
        columns: [
          { title: t("user_id"), dataIndex: "user_id" },
          { title: t("r_name"), dataIndex: "name" },
          { title: t("phone"), dataIndex: "phone" },
          { title: t("r_balance"), dataIndex: "balance_cents", align: "right", render: (v: number) => yuanFromCents(v) },
          { title: t("r_deposit"), dataIndex: "deposit_cents", align: "right", render: (v: number) => yuanFromCents(v) },
          { title: t("r_held"), dataIndex: "held_cents", align: "right", render: (v: number) => yuanFromCents(v) },
          { title: t("r_card_type"), dataIndex: "card_type", render: (v: string) => t(cardTypeLabel(v)) },
          { title: t("r_card_state"), dataIndex: "card_state", render: (v: string) => <CardTag state={v} /> },
          { title: t("r_registered_at"), dataIndex: "registered_at", render: (v: string) => dateTime(v) },
          {
            title: t("details"),
            key: "open",
            render: (_, a) => (
              <Link to={`/rental/accounts/${encodeURIComponent(a.user_id)}`} aria-label={`${t("r_account")} ${a.user_id}`}>
                {t("r_account_detail")}
              </Link>
            ),
          },
        ],
      }}
    />
  );
}
