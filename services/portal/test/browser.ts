import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { type Browser, type Page, chromium } from "playwright-core";

/** Debian's chromium, installed by the project's set-up (scripts/test.sh); never a downloaded browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: scripts/test.sh installs Debian's chromium (apt-get install chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
}

const axeSource = (): string => {
  const require = createRequire(import.meta.url);
  return (require("axe-core") as { source: string }).source;
};

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core injected into the page, WCAG 2.1 A/AA rules; the serious and critical violations. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: axeSource() });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: AxeViolation[] }> } })
      .axe;
    const result = await axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/**
 * Marks every visible, enabled interactive element, then tabs through the page from the top until
 * focus comes round again; returns the marks that took focus and all marks, so a test can check
 * that each one is reachable by keyboard.
 */
export async function keyboardWalk(page: Page, limit = 300): Promise<{ reached: string[]; interactive: string[] }> {
  const interactive = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>("a[href], button, input, select, textarea, [tabindex]:not([tabindex='-1'])")]
      .filter((el) => !el.hasAttribute("disabled") && el.getClientRects().length > 0)
      .map((el, i) => {
        el.dataset.kw = `${i}:${el.tagName.toLowerCase()}:${(el.getAttribute("aria-label") ?? el.textContent ?? el.id).trim().slice(0, 40)}`;
        return el.dataset.kw;
      }),
  );
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const reached: string[] = [];
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press("Tab");
    const now = await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.kw ?? "");
    if (now !== "" && reached.includes(now)) break;
    if (now !== "") reached.push(now);
  }
  return { reached, interactive };
}
