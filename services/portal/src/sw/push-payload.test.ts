import { describe, expect, it } from "vitest";
import { clickPath, notificationFor, urlOfNotification } from "./push-payload.ts";

const ORIGIN = "https://portal.example.org";
// What the notifier sends (services/notifier/src/domain/notifications.ts, pushBody).
const crossing = {
  type: "honorarium.threshold_crossed",
  title: "Kontorhonorar nådd",
  body: "En likeperson i Oslo sør har nådd Kontorhonorar (3 oppdrag, 500,00 kr).",
  deepLink: "http://localhost:3000/mentors/m-1/counts?highlight=r-1",
  data: { recordId: "r-1", peerMentorId: "m-1", assignmentCount: 3 },
};

describe("notificationFor", () => {
  it("shows the notifier's title and body and opens the deep link's path on this origin", () => {
    expect(notificationFor(JSON.stringify(crossing), ORIGIN, "Honorar")).toEqual({
      title: "Kontorhonorar nådd",
      options: {
        body: crossing.body,
        tag: "honorarium.threshold_crossed:r-1",
        data: { url: "/mentors/m-1/counts?highlight=r-1" },
      },
    });
  });

  it("tags a reminder by its delivery, so a repeated push replaces rather than stacks", () => {
    const reminder = {
      type: "assignment.delivery_reminder",
      title: "Påminnelse",
      body: "Ikke åpnet",
      deepLink: "/assignments/a-1",
      data: { deliveryId: "d-1" },
    };
    const shown = notificationFor(JSON.stringify(reminder), ORIGIN, "Honorar");
    expect(shown.options.tag).toBe("assignment.delivery_reminder:d-1");
    expect(shown.options.data.url).toBe("/assignments/a-1");
  });

  it("still shows something for a push that is not the notifier's JSON, opening the feed", () => {
    expect(notificationFor("plain words", ORIGIN, "Honorar")).toEqual({
      title: "Honorar",
      options: { body: "plain words", tag: undefined, data: { url: "/notifications" } },
    });
    expect(notificationFor(null, ORIGIN, "Honorar").options).toEqual({ body: "", tag: undefined, data: { url: "/notifications" } });
    expect(notificationFor(JSON.stringify({ title: "  ", body: 5, deepLink: 7 }), ORIGIN, "Honorar")).toEqual({
      title: "Honorar",
      options: { body: "", tag: undefined, data: { url: "/notifications" } },
    });
  });
});

describe("clickPath", () => {
  it("keeps path, query and fragment and drops the notifier's host", () => {
    expect(clickPath("http://127.0.0.1:3000/mentors/x/counts?highlight=y#m", ORIGIN)).toBe("/mentors/x/counts?highlight=y#m");
    expect(clickPath("/mentors/x/counts", ORIGIN)).toBe("/mentors/x/counts");
  });

  it("never opens a script or another scheme", () => {
    expect(clickPath("javascript:alert(1)", ORIGIN)).toBe("/notifications");
    expect(clickPath("data:text/html,hi", ORIGIN)).toBe("/notifications");
    expect(clickPath("", ORIGIN)).toBe("/notifications");
    expect(clickPath(undefined, ORIGIN)).toBe("/notifications");
  });

  it("treats a protocol-relative link as a path on this origin", () => {
    expect(clickPath("//evil.example/phish", ORIGIN)).toBe("/phish");
  });
});

describe("urlOfNotification", () => {
  it("is the absolute URL on this origin of what notificationFor stored", () => {
    const { options } = notificationFor(JSON.stringify(crossing), ORIGIN, "Honorar");
    expect(urlOfNotification(options.data, ORIGIN)).toBe(`${ORIGIN}/mentors/m-1/counts?highlight=r-1`);
    expect(urlOfNotification({ url: "https://evil.example/x?y=1" }, ORIGIN)).toBe(`${ORIGIN}/x?y=1`);
    expect(urlOfNotification(null, ORIGIN)).toBe(`${ORIGIN}/notifications`);
  });
});
