import { describe, expect, it } from "vitest";
import { isAdmin, isCoordinator, isMentorOnly, sessionOf } from "./session.ts";

const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
const jwt = (claims: object) => `${part({ alg: "HS256" })}.${part(claims)}.signature`;
const NOW = Date.parse("2031-05-01T12:00:00Z");

describe("sessionOf", () => {
  it("reads sub, org, roles and scopes from a token's claims", () => {
    const session = sessionOf(jwt({ sub: "m1", org: "o1", roles: ["peer_mentor", "nonsense"], scopes: ["s1"], exp: NOW / 1000 + 60 }), NOW);
    expect(session).toMatchObject({ sub: "m1", org: "o1", roles: ["peer_mentor"], scopes: ["s1"], expiresAt: NOW + 60_000 });
    expect(session !== null && isMentorOnly(session)).toBe(true);
  });

  it("refuses what is not a JWT, lacks sub or org, or has expired", () => {
    expect(sessionOf("not a token", NOW)).toBeNull();
    expect(sessionOf("a.%%%.c", NOW)).toBeNull();
    expect(sessionOf(jwt({ org: "o1" }), NOW)).toBeNull();
    expect(sessionOf(jwt({ sub: "m1", org: "o1", exp: NOW / 1000 }), NOW)).toBeNull();
  });

  it("tells coordinators and administrators apart", () => {
    const coordinator = sessionOf(jwt({ sub: "c", org: "o", roles: ["coordinator"] }), NOW);
    const admin = sessionOf(jwt({ sub: "a", org: "o", roles: ["org_admin"] }), NOW);
    expect(coordinator !== null && [isCoordinator(coordinator), isAdmin(coordinator)]).toEqual([true, false]);
    expect(admin !== null && [isCoordinator(admin), isAdmin(admin)]).toEqual([true, true]);
  });
});
