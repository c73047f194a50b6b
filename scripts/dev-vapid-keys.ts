/**
 * Development VAPID keys for `npm run up`: generated on the first start, kept in .run/vapid.env
 * (outside git), the same keys on every later start so browsers' push subscriptions stay valid.
 * Prints shell `export` lines. Production sets NOTIFIER_VAPID_* from its secret store instead.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import webPush from "web-push";

const file = process.argv[2] ?? ".run/vapid.env";
if (!existsSync(file)) {
  const keys = webPush.generateVAPIDKeys();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    [
      `export NOTIFIER_VAPID_PUBLIC_KEY=${keys.publicKey}`,
      `export NOTIFIER_VAPID_PRIVATE_KEY=${keys.privateKey}`,
      "export NOTIFIER_VAPID_SUBJECT=mailto:dev@honorarium-tracker.invalid",
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
}
// --no-print (docker compose): the keys stay in the file; stdout would put the private key in the logs.
if (!process.argv.includes("--no-print")) process.stdout.write(readFileSync(file, "utf8"));
