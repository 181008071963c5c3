import dayjs from "dayjs";
import { announcementCommand, saveAnnouncement, toBody } from "../src/areas/messages/Announcements";

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

test("each announcement command carries the key of the user's action", async () => {
  const sent: { method: string; path: string; key: string | null }[] = [];
  const fetch = vi.spyOn(globalThis, "fetch").mockImplementation(async (request) => {
    const r = request as Request;
    sent.push({ method: r.method, path: new URL(r.url).pathname, key: r.headers.get("Idempotency-Key") });
    return new Response(JSON.stringify({ id: 7 }), { status: 200, headers: { "Content-Type": "application/json" } });
  });
  try {
    const body = toBody({ title: "t", body: "b" });
    await saveAnnouncement("k-new", { id: null, body });
    await saveAnnouncement("k-edit", { id: 7, body });
    await announcementCommand("k-pub", { id: 7, action: "publish" });
    await announcementCommand("k-wd", { id: 7, action: "withdraw" });
  } finally {
    fetch.mockRestore();
  }
  expect(sent).toEqual([
    { method: "POST", path: "/api/v1/notify/announcements", key: "k-new" },
    { method: "PUT", path: "/api/v1/notify/announcements/7", key: "k-edit" },
    { method: "POST", path: "/api/v1/notify/announcements/7/publish", key: "k-pub" },
    { method: "POST", path: "/api/v1/notify/announcements/7/withdraw", key: "k-wd" },
  ]);
});
