import { describe, expect, it } from "vitest";
import type { Caller } from "../server/auth.ts";
import { canSeeRow, requireScopes, resolveOrganization, visibilityOf } from "./access.ts";
import { DomainError } from "./errors.ts";

const caller = (fields: Partial<Caller>): Caller => ({ userId: "u", organizationId: "org", roles: ["peer_mentor"], scopes: [], ...fields });
const refused = (run: () => unknown) => {
  try {
    run();
    return false;
  } catch (error) {
    return error instanceof DomainError && error.kind === "forbidden";
  }
};

describe("tenant isolation", () => {
  it("everyone but a global_admin is confined to their organization", () => {
    expect(resolveOrganization(caller({}), undefined)).toBe("org");
    expect(resolveOrganization(caller({}), "org")).toBe("org");
    expect(refused(() => resolveOrganization(caller({ roles: ["org_admin"] }), "other"))).toBe(true);
    expect(resolveOrganization(caller({ roles: ["global_admin"], organizationId: null }), "other")).toBe("other");
    expect(refused(() => resolveOrganization(caller({ roles: ["global_admin"], organizationId: null }), undefined))).toBe(true);
  });
  it("coordinators see their scopes and the whole-organization bucket; mentors themselves", () => {
    const coordinator = visibilityOf(caller({ roles: ["coordinator"], scopes: ["a"] }));
    expect(canSeeRow(coordinator, { scopeId: "a", peerMentorId: "x" })).toBe(true);
    expect(canSeeRow(coordinator, { scopeId: null, peerMentorId: "x" })).toBe(true);
    expect(canSeeRow(coordinator, { scopeId: "b", peerMentorId: "x" })).toBe(false);
    const mentor = visibilityOf(caller({}));
    expect(canSeeRow(mentor, { scopeId: "a", peerMentorId: "u" })).toBe(true);
    expect(canSeeRow(mentor, { scopeId: "a", peerMentorId: "x" })).toBe(false);
    expect(visibilityOf(caller({ roles: ["peer_mentor", "org_admin"] }))).toEqual({ kind: "organization" });
    expect(refused(() => requireScopes(coordinator, ["a", "b"]))).toBe(true);
    expect(refused(() => requireScopes(coordinator, ["a"]))).toBe(false);
  });
});
