import { Button, Select, Space } from "antd";
import { useI18n } from "../i18n/i18n";
import { PAGE_SIZES } from "./urlFilters";

/** Cursor paging as the API pages: the next page, or back to the first; and the page size. */
export function CursorPager(props: {
  page: number;
  next: string | null | undefined;
  goTo: (cursor: string | null, page: number) => void;
  limit?: number;
  setLimit?: (size: number) => void;
}) {
  const { t } = useI18n();
  const { setLimit } = props;
  return (
    <Space style={{ marginTop: 16 }}>
      <Button disabled={props.page <= 1} onClick={() => props.goTo(null, 1)}>
        {t("first_page")}
      </Button>
      <span aria-live="polite">{props.page}</span>
      <Button disabled={!props.next} onClick={() => props.next && props.goTo(props.next, props.page + 1)}>
        {t("next_page")}
      </Button>
      {setLimit && (
        <Select
          aria-label={t("page_size")}
          value={props.limit}
          onChange={setLimit}
          style={{ width: 110 }}
          options={PAGE_SIZES.map((n) => ({ value: n, label: `${n} / ${t("page")}` }))}
        />
      )}
    </Space>
  );
}
