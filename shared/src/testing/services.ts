import { execFile } from "node:child_process";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/**
 * Where tests get Kafka, PostgreSQL and Redis. One module decides, in this order:
 *  1. URLs from the environment (TEST_DATABASE_URL or DATABASE_URL, REDIS_URL, KAFKA_BROKERS);
 *  2. the local stack from scripts/infra.sh (Kafka from Maven Central, the machine's own
 *     PostgreSQL and Redis, started when down);
 *  3. testcontainers, when a Docker engine answers (not on this project's CI machines).
 */
export interface TestServices {
  /** A URL of a server where tests may create and drop databases; the path is ignored. */
  databaseUrl: string;
  redisUrl: string;
  kafkaBrokers: string[];
  source: "env" | "local" | "testcontainers";
}

const ROOT_DIR = fileURLToPath(new URL("../../../", import.meta.url));

export function tcpReachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

function hostPort(address: string, defaultPort: number): [string, number] {
  const url = new URL(address.includes("://") ? address : `tcp://${address}`);
  return [url.hostname.replace(/^\[|\]$/g, ""), url.port === "" ? defaultPort : Number(url.port)];
}

async function allReachable(services: Omit<TestServices, "source">): Promise<string[]> {
  const checks: [string, string, number][] = [
    ["PostgreSQL", ...hostPort(services.databaseUrl, 5432)],
    ["Redis", ...hostPort(services.redisUrl, 6379)],
    ...services.kafkaBrokers.map((broker): [string, string, number] => ["Kafka", ...hostPort(broker, 9092)]),
  ];
  const results = await Promise.all(checks.map(([, host, port]) => tcpReachable(host, port)));
  return checks.filter((_, i) => !results[i]).map(([name, host, port]) => `${name} at ${host}:${port}`);
}

function fromEnvironment(env: NodeJS.ProcessEnv): Omit<TestServices, "source"> | undefined {
  const databaseUrl = env.TEST_DATABASE_URL ?? env.DATABASE_URL;
  if (databaseUrl === undefined || env.REDIS_URL === undefined || env.KAFKA_BROKERS === undefined) return undefined;
  return { databaseUrl, redisUrl: env.REDIS_URL, kafkaBrokers: env.KAFKA_BROKERS.split(",").map((b) => b.trim()) };
}

const LOCAL: Omit<TestServices, "source"> = {
  databaseUrl: "postgres://postgres@127.0.0.1:5432/postgres",
  redisUrl: "redis://127.0.0.1:6379",
  kafkaBrokers: ["127.0.0.1:9092"],
};

async function startLocalStack(): Promise<void> {
  await promisify(execFile)("bash", [`${ROOT_DIR}scripts/infra.sh`, "up"], { cwd: ROOT_DIR, timeout: 300_000 });
}

async function dockerAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import("testcontainers");
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

/** Containers started for this run; stopped by `stopTestServices`. */
const started: { stop(): Promise<unknown> }[] = [];

async function startContainers(): Promise<Omit<TestServices, "source">> {
  const [{ PostgreSqlContainer }, { RedisContainer }, { KafkaContainer }] = await Promise.all([
    import("@testcontainers/postgresql"),
    import("@testcontainers/redis"),
    import("@testcontainers/kafka"),
  ]);
  const [postgres, redis, kafka] = await Promise.all([
    new PostgreSqlContainer("postgres:15").start(),
    new RedisContainer("redis:7").start(),
    new KafkaContainer("confluentinc/cp-kafka:7.9.0").withKraft().start(),
  ]);
  started.push(postgres, redis, kafka);
  return {
    databaseUrl: postgres.getConnectionUri(),
    redisUrl: `redis://${redis.getHost()}:${redis.getPort()}`,
    kafkaBrokers: [`${kafka.getHost()}:${kafka.getMappedPort(9093)}`],
  };
}

export async function resolveTestServices(env: NodeJS.ProcessEnv = process.env): Promise<TestServices> {
  const given = fromEnvironment(env);
  if (given !== undefined) {
    const missing = await allReachable(given);
    if (missing.length > 0) throw new Error(`test services from the environment do not answer: ${missing.join(", ")}`);
    return { ...given, source: "env" };
  }
  let localError: unknown;
  try {
    await startLocalStack();
    const missing = await allReachable(LOCAL);
    if (missing.length === 0) return { ...LOCAL, source: "local" };
    localError = new Error(`not reachable after scripts/infra.sh up: ${missing.join(", ")}`);
  } catch (error) {
    localError = error;
  }
  if (await dockerAnswers()) return { ...(await startContainers()), source: "testcontainers" };
  const reason = localError instanceof Error ? localError.message : String(localError);
  throw new Error(`no test services: the local stack failed (${reason}) and no Docker engine answers`);
}

export async function stopTestServices(): Promise<void> {
  await Promise.all(started.splice(0).map((container) => container.stop()));
}
