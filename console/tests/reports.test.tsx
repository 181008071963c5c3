import { render, screen } from "@testing-library/react";
import { counter, fileName } from "../src/areas/refunds/csvDownload";
import { BarChart } from "../src/areas/refunds/BarChart";
import { handoverBody } from "../src/areas/refunds/Handovers";
import { lastMonth, perDay } from "../src/areas/refunds/Reports";

test("a CSV's progress counts the bytes and the rows as the chunks arrive", () => {
  const count = counter();
  const utf8 = new TextEncoder();
  expect(count.add(utf8.encode("\uFEFF序号,金额\n1,"))).toEqual({ bytes: 19, rows: 1, done: false });
  expect(count.add(utf8.encode("133.50\n合计,133.50\n"))).toEqual({ bytes: 40, rows: 3, done: false });
});

test("the file is named as the service names it", () => {
  expect(fileName('attachment; filename="service-refunds-2026-11.csv"', "x.csv")).toBe("service-refunds-2026-11.csv");
  expect(fileName(null, "daily-faults.csv")).toBe("daily-faults.csv");
});

test("the month due for approval is last month, across a year's end", () => {
  expect(lastMonth("2026-12-06")).toBe("2026-11");
  expect(lastMonth("2027-01-01")).toBe("2026-12");
});

test("the monthly chart sums each day's amounts in Shanghai days, in cents", () => {
  const bars = perDay([
    { submitted_at: "2026-11-02T15:59:00Z", amount_cents: 1050 }, // 23:59 on the 2nd in Shanghai
    { submitted_at: "2026-11-02T16:01:00Z", amount_cents: 100 }, // 00:01 on the 3rd
    { submitted_at: "2026-11-02T01:00:00Z", amount_cents: 1 },
  ]);
  expect(bars).toEqual([
    { label: "11-02", value: 1051, text: "¥10.51" },
    { label: "11-03", value: 100, text: "¥1.00" },
  ]);
});

test("the bar chart names every bar and its value for a screen reader", () => {
  render(<BarChart title="By cause" bars={[{ label: "支付超时", value: 3 }, { label: "其他", value: 0 }]} />);
  expect(screen.getByRole("img", { name: "By cause: 支付超时 3, 其他 0" })).toBeInTheDocument();
});

test("a handover's body: Shanghai times, trimmed names, finished work one item a line", () => {
  const body = handoverBody({
    shift: "day",
    period_start: "2026-12-06T09:00",
    period_end: "2026-12-06T17:00",
    expected: [" 张三", "李四"],
    present: ["张三"],
    absent: ["李四"],
    responsible: " 张三 ",
    cleaning_done: true,
    finished: "1. 回复客户\n\n2. 核对故障单 ",
    follow_ups: [{ cause: "扣款成功未出票", progress: "已提交财务", next_step: "跟进", contact: "王先生", form_id: " " }],
  });
  expect(body).toMatchObject({
    period_start: "2026-12-06T09:00:00+08:00",
    attendance: { expected: ["张三", "李四"], present: ["张三"], late: [], left_early: [], absent: ["李四"] },
    cleaning: { done: true, responsible: "张三" },
    finished: ["1. 回复客户", "2. 核对故障单"],
    follow_ups: [{ form_id: null, cause: "扣款成功未出票" }],
    notes: "",
  });
});
