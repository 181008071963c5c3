// The list page every area repeats (filter form above, result table below, as Ant Design Pro
// lays out a back office): the filters kept in the URL, the query keyed by them, the loading,
// empty and error states, and the API's cursor paging, in one place. A page gives its fields,
// its columns and how to fetch a page; what it adds (a toolbar, dialogs) goes around them.
import { useQuery } from "@tanstack/react-query";
import { Col, Empty, Form, Row, Table, type TableProps } from "antd";
import { useEffect, type ReactNode } from "react";
import { useI18n } from "../i18n/i18n";
import { CursorPager } from "./CursorPager";
import { SearchButtons } from "./FilterForm";
import { ListError } from "./ListError";
import { useUrlFilters, type Filters } from "./urlFilters";

export interface Paging {
  limit: number;
  cursor: string | undefined;
}

export interface ResultPage<R> {
  items: R[];
  next_cursor?: string | null;
}

export interface ListOptions<K extends string> {
  /** Nothing is asked while this says no (the voucher search waits for a filter). */
  ready?: (filters: Filters<K>) => boolean;
  /** Asked again this often (a queue that changes under the user's eyes). */
  refetchInterval?: number;
}

/** The page's state: its URL filters and the query they key. */
export function useListQuery<K extends string, R>(
  keys: readonly K[],
  name: readonly unknown[],
  fetch: (filters: Filters<K>, paging: Paging) => Promise<ResultPage<R>>,
  options: ListOptions<K> = {},
) {
  const url = useUrlFilters(keys);
  const { filters, limit, cursor } = url;
  const asked = options.ready ? options.ready(filters) : true;
  const result = useQuery({
    queryKey: [...name, filters, limit, cursor],
    queryFn: () => fetch(filters, { limit, cursor }),
    enabled: asked,
    refetchInterval: options.refetchInterval,
  });
  return { ...url, result, asked };
}

export type ListQuery<K extends string, R> = ReturnType<typeof useListQuery<K, R>>;

/** What a filter form's fields hold (Ant Design's store of any field). */
export type FieldValues = Record<string, {} | undefined>;

/** How a page's fields hold what the URL keeps as text (a list of kinds, a default day). */
export interface FormMapping<K extends string> {
  toForm: (filters: Filters<K>) => FieldValues;
  fromForm: (values: FieldValues) => Filters<K>;
}

/** The filter form: shows the URL's filters, searches on submit, empties on reset. With
 * `grid` its fields are columns of a row (each a `Col`) and the buttons take the last `grid`
 * span; without it the fields sit in one wrapping line. */
export function ListFilters<K extends string>(props: {
  initial: Filters<K>;
  onSearch: (filters: Filters<K>) => void;
  grid?: number;
  mapping?: FormMapping<K>;
  children: ReactNode;
}) {
  const { t } = useI18n();
  const [form] = Form.useForm<FieldValues>();
  const { initial, onSearch, grid, mapping } = props;
  useEffect(() => {
    form.resetFields();
    form.setFieldsValue(mapping ? mapping.toForm(initial) : initial);
  }, [form, initial, mapping]);
  const buttons = (
    <SearchButtons
      onReset={() => {
        form.resetFields();
        onSearch({});
      }}
    />
  );
  return (
    <Form<FieldValues>
      form={form}
      layout={grid ? "vertical" : "inline"}
      onFinish={(values) => onSearch(mapping ? mapping.fromForm(values) : (values as Filters<K>))}
      aria-label={t("search")}
      style={grid ? undefined : { marginBottom: 16, rowGap: 8 }}
    >
      {grid ? (
        <Row gutter={16}>
          {props.children}
          <Col span={grid} style={{ display: "flex", alignItems: "end", paddingBottom: 24 }}>
            {buttons}
          </Col>
        </Row>
      ) : (
        <>
          {props.children}
          {buttons}
        </>
      )}
    </Form>
  );
}

export function ListPage<K extends string, R extends object>(props: {
  list: ListQuery<K, R>;
  /** The page's heading; `extra` beside it (a "new" button). */
  title?: string;
  extra?: ReactNode;
  /** The filter form's fields; none: no form (a queue). */
  fields?: ReactNode;
  grid?: number;
  mapping?: FormMapping<K>;
  /** Between the filters and the table (batch buttons). */
  toolbar?: ReactNode;
  table: Omit<TableProps<R>, "dataSource" | "loading" | "pagination" | "locale">;
  /** The empty table's words; the default says nothing was found. */
  emptyText?: string;
  /** A page size selector beside the pager (default: shown). */
  pageSizes?: boolean;
  /** No spinner while rows already shown are asked again (a polled queue). */
  quiet?: boolean;
  /** Called before each new search (a selection to forget). */
  onSearch?: (filters: Filters<K>) => void;
  children?: ReactNode;
}) {
  const { t } = useI18n();
  const { list, onSearch } = props;
  const { result } = list;
  const sizes = props.pageSizes === false ? {} : { limit: list.limit, setLimit: list.setLimit };
  return (
    <>
      {props.title !== undefined && (
        <div style={{ display: "flex", gap: 16, alignItems: "center", marginBottom: 16 }}>
          <h2 style={{ margin: 0 }}>{props.title}</h2>
          {props.extra}
        </div>
      )}
      {props.fields !== undefined && (
        <ListFilters<K>
          initial={list.filters}
          grid={props.grid}
          mapping={props.mapping}
          onSearch={(filters) => {
            onSearch?.(filters);
            list.search(filters);
          }}
        >
          {props.fields}
        </ListFilters>
      )}
      {props.toolbar}
      {result.isError && <ListError error={result.error} retry={() => void result.refetch()} />}
      <Table<R>
        size="middle"
        scroll={{ x: "max-content" }}
        {...props.table}
        loading={props.quiet ? result.isFetching && !result.data : result.isFetching}
        dataSource={result.data?.items ?? []}
        pagination={false}
        locale={{ emptyText: <Empty description={props.emptyText ?? t("empty")} /> }}
      />
      <CursorPager page={list.page} next={result.data?.next_cursor} goTo={list.goTo} {...sizes} />
      {props.children}
    </>
  );
}
