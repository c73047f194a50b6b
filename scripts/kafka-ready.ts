// Waits until a broker answers a metadata request with its brokers and controller.
// Usage: node scripts/kafka-ready.ts 127.0.0.1:9092 [timeoutSeconds]
import { Admin } from "@platformatic/kafka";

const [brokers = "127.0.0.1:9092", timeoutArg = "90"] = process.argv.slice(2);
const deadline = Date.now() + Number(timeoutArg) * 1000;

for (;;) {
  const admin = new Admin({
    clientId: "kafka-ready",
    bootstrapBrokers: brokers.split(","),
    retries: 0,
    connectTimeout: 1000,
    timeout: 2000,
  });
  admin.on("error", () => undefined);
  try {
    const metadata = await admin.metadata({ topics: [], forceUpdate: true });
    await admin.close();
    if (metadata.brokers.size > 0 && metadata.controllerId >= 0) process.exit(0);
  } catch {
    await admin.close().catch(() => undefined);
  }
  if (Date.now() > deadline) {
    console.error(`no Kafka broker answered on ${brokers} within ${timeoutArg} s`);
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
}
