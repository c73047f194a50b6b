/**
 * The signed-in user: a Bearer JWT kept in sessionStorage (gone with the tab). The portal reads the
 * claims only to choose screens; the query API checks the token on every call.
 */
export type Role = "peer_mentor" | "coordinator" | "org_admin" | "global_admin";

export interface Session {
  token: string;
  sub: string;
  org: string;
  roles: Role[];
  scopes: string[];
  expiresAt: number | null;
}

const KEY = "honorarium.session.token";
const ROLES: readonly Role[] = ["peer_mentor", "coordinator", "org_admin", "global_admin"];

function decodePart(part: string): unknown {
  const base64 = part
    .replace(/-/g, "+")
    .replace(/_/g, "/")
    .padEnd(Math.ceil(part.length / 4) * 4, "=");
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);

/** The session a token describes, or null when it is not a readable, unexpired JWT. */
export function sessionOf(token: string, now = Date.now()): Session | null {
  const parts = token.trim().split(".");
  if (parts.length !== 3 || parts[1] === undefined) return null;
  let claims: unknown;
  try {
    claims = decodePart(parts[1]);
  } catch {
    return null;
  }
  if (!isRecord(claims) || typeof claims.sub !== "string" || typeof claims.org !== "string") return null;
  const expiresAt = typeof claims.exp === "number" ? claims.exp * 1000 : null;
  if (expiresAt !== null && expiresAt <= now) return null;
  const roles = strings(claims.roles).filter((role): role is Role => (ROLES as readonly string[]).includes(role));
  return { token: token.trim(), sub: claims.sub, org: claims.org, roles, scopes: strings(claims.scopes), expiresAt };
}

export function loadSession(): Session | null {
  const token = sessionStorage.getItem(KEY);
  return token === null ? null : sessionOf(token);
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, session.token);
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}

export const isCoordinator = (s: Session) => s.roles.some((r) => r === "coordinator" || r === "org_admin" || r === "global_admin");
export const isAdmin = (s: Session) => s.roles.some((r) => r === "org_admin" || r === "global_admin");
/** A peer mentor without a coordinating role sees only their own count screen. */
export const isMentorOnly = (s: Session) => !isCoordinator(s);
