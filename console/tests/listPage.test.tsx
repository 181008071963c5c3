import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { Form, Input, Select } from "antd";
import { vi } from "vitest";
import { MemoryRouter, useLocation } from "react-router-dom";
import { ApiError } from "../src/api/errors";
import { I18nProvider } from "../src/i18n/i18n";
import { ListFilters, ListPage, useListQuery, type FormMapping, type Paging, type ResultPage } from "../src/shared/ListPage";
import type { Filters } from "../src/shared/urlFilters";

const KEYS = ["name"] as const;
type Row = { id: string; name: string };
type Fetch = (filters: Filters<"name">, paging: Paging) => Promise<ResultPage<Row>>;

function Where() {
  const location = useLocation();
  return <p data-testid="where">{location.search}</p>;
}

function People({ fetch, ready }: { fetch: Fetch; ready?: (f: Filters<"name">) => boolean }) {
  const list = useListQuery(KEYS, ["people"], fetch, { ready });
  return (
    <ListPage
      list={list}
      title="People"
      emptyText={list.asked ? undefined : "Give a name"}
      fields={
        <Form.Item label="Name" name="name">
          <Input />
        </Form.Item>
      }
      table={{ rowKey: "id", columns: [{ title: "Who", dataIndex: "name" }] }}
    />
  );
}

function renderAt(path: string, fetch: Fetch, ready?: (f: Filters<"name">) => boolean) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <I18nProvider initial="en-US">
        <MemoryRouter initialEntries={[path]}>
          <People fetch={fetch} ready={ready} />
          <Where />
        </MemoryRouter>
      </I18nProvider>
    </QueryClientProvider>,
  );
}

const page = (names: string[], next: string | null = null): ResultPage<Row> => ({
  items: names.map((name) => ({ id: name, name })),
  next_cursor: next,
});

test("the URL's filters fill the form and the query; the rows show", async () => {
  const fetch = vi.fn<Fetch>(async () => page(["Li Lei"]));
  renderAt("/people?name=Li", fetch);
  expect(await screen.findByText("Li Lei")).toBeInTheDocument();
  expect(fetch).toHaveBeenCalledWith({ name: "Li" }, { limit: 20, cursor: undefined });
  expect(screen.getByLabelText("Name")).toHaveValue("Li");
});

test("a search goes into the URL from the first page; the next page carries the API's cursor", async () => {
  const fetch = vi.fn<Fetch>(async (_, paging) => (paging.cursor ? page(["Han Meimei"]) : page(["Li Lei"], "c2")));
  renderAt("/people?cursor=old&page=3", fetch);
  fireEvent.change(screen.getByLabelText("Name"), { target: { value: " Li " } });
  fireEvent.click(screen.getByRole("button", { name: "Search" }));
  await waitFor(() => expect(screen.getByTestId("where")).toHaveTextContent(/^\?name=Li$/));
  expect(await screen.findByText("Li Lei")).toBeInTheDocument();
  fireEvent.click(screen.getByRole("button", { name: "Next page" }));
  expect(await screen.findByText("Han Meimei")).toBeInTheDocument();
  expect(fetch).toHaveBeenLastCalledWith({ name: "Li" }, { limit: 20, cursor: "c2" });
  expect(screen.getByTestId("where")).toHaveTextContent("cursor=c2");
  fireEvent.click(screen.getByRole("button", { name: "Reset" }));
  await waitFor(() => expect(screen.getByTestId("where")).toHaveTextContent(/^$/));
  expect(screen.getByLabelText("Name")).toHaveValue("");
});

test("an empty answer says so; a page waiting for a filter asks for one and fetches nothing", async () => {
  const fetch = vi.fn<Fetch>(async () => page([]));
  const { unmount } = renderAt("/people?name=nobody", fetch);
  expect((await screen.findAllByText("No data")).length).toBeGreaterThan(0);
  expect(screen.queryByRole("alert")).toBeNull();
  unmount();
  fetch.mockClear();
  renderAt("/people", fetch, (f) => Boolean(f.name));
  expect((await screen.findAllByText("Give a name")).length).toBeGreaterThan(0);
  expect(fetch).not.toHaveBeenCalled();
});

test("a list that failed says why in words and loads again on Retry", async () => {
  const fetch = vi
    .fn<Fetch>()
    .mockRejectedValueOnce(new ApiError(503, "service_unavailable", "refund is away"))
    .mockResolvedValue(page(["Li Lei"]));
  renderAt("/people", fetch);
  const alert = await screen.findByRole("alert");
  expect(alert).toHaveTextContent("Could not load");
  fireEvent.click(screen.getByRole("button", { name: "Load again" }));
  expect(await screen.findByText("Li Lei")).toBeInTheDocument();
  expect(screen.queryByRole("alert")).toBeNull();
});

test("a mapping keeps a list in the form and one value in the URL", async () => {
  const onSearch = vi.fn();
  const mapping: FormMapping<"kind"> = {
    toForm: (f) => ({ kind: f.kind?.split(",") }),
    fromForm: (v) => ({ kind: (v.kind as string[] | undefined)?.join(",") }),
  };
  render(
    <I18nProvider initial="en-US">
      <ListFilters initial={{ kind: "rental,top_up" }} onSearch={onSearch} mapping={mapping}>
        <Form.Item label="Kind" name="kind">
          <Select mode="multiple" options={[{ value: "rental" }, { value: "top_up" }, { value: "deposit" }]} />
        </Form.Item>
      </ListFilters>
    </I18nProvider>,
  );
  fireEvent.click(screen.getByRole("button", { name: "Search" }));
  await waitFor(() => expect(onSearch).toHaveBeenCalledWith({ kind: "rental,top_up" }));
});
