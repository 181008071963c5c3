import { dateTime, day, shanghaiIso, yuan, yuanFromCents } from "../src/shared/format";

test("money is yuan with two decimals, from cents or the API's decimal string", () => {
  expect(yuanFromCents(1050)).toBe("¥10.50");
  expect(yuanFromCents(5)).toBe("¥0.05");
  expect(yuanFromCents(-12345678)).toBe("-¥123,456.78");
  expect(() => yuanFromCents(10.5)).toThrow();
  expect(yuan("10.00")).toBe("¥10.00");
  expect(yuan("10.5")).toBe("¥10.50");
  expect(yuan("0.1")).toBe("¥0.10");
  expect(yuan("not money")).toBe("not money");
});

test("times are shown in Asia/Shanghai whatever the zone of the answer", () => {
  expect(dateTime("2018-12-30T02:13:22Z")).toBe("2018-12-30 10:13:22");
  expect(dateTime("2018-12-30T23:30:00+00:00")).toBe("2018-12-31 07:30:00");
  expect(dateTime(null)).toBe("—");
  expect(day("2018-12-30")).toBe("2018-12-30");
  expect(shanghaiIso("2026-12-06T18:00")).toBe("2026-12-06T18:00:00+08:00");
});
