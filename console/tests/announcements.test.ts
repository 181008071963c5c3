import dayjs from "dayjs";
import { toBody } from "../src/areas/messages/Announcements";

test("a schedule typed in the picker is sent as Shanghai time, whatever the browser's zone", () => {
  const body = toBody({
    title: "  春节服务时间调整 ",
    body: "2月4日至2月10日 9:00-18:00",
    publish_at: dayjs("2027-02-03 18:00"),
    withdraw_at: dayjs("2027-02-11 09:30"),
  });
  expect(body).toEqual({
    title: "春节服务时间调整",
    body: "2月4日至2月10日 9:00-18:00",
    publish_at: "2027-02-03T18:00:00+08:00",
    withdraw_at: "2027-02-11T09:30:00+08:00",
  });
  expect(toBody({ title: "t", body: "b" })).toMatchObject({ publish_at: null, withdraw_at: null });
});
