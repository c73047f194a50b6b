/**
 * The run's own Kafka broker, PostgreSQL cluster and Redis, on ports of their own, so restarting
 * and flushing them never touches the shared instances other people's tests use.
 */
import { execFile, spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { createLogger } from "@honorarium/shared";
import { createRedis } from "@honorarium/shared/infra";
import { eventually } from "@honorarium/shared/testing";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PG_BIN = process.env.E2E_PG_BIN ?? "/usr/lib/postgresql/15/bin";

export interface InfraPorts {
  kafka: number;
  kafkaController: number;
  postgres: number;
  redis: number;
}

export interface Infra {
  databaseUrl: string;
  redisUrl: string;
  kafkaBrokers: string;
  up(): Promise<void>;
  restartKafka(): Promise<void>;
  restartPostgres(): Promise<void>;
  /** Stop and start apart, for a test to watch the outage in between. */
  stopKafka(): Promise<void>;
  startKafka(): Promise<void>;
  stopPostgres(): Promise<void>;
  startPostgres(): Promise<void>;
  flushRedis(): Promise<void>;
  down(): Promise<void>;
}

/** Commands for the postgres OS user when we are root (initdb refuses root). */
function asPostgresUser(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
}

export function createInfra(runDir: string, ports: InfraPorts): Infra {
  const kafkaDir = join(runDir, "kafka");
  const pgDir = join(runDir, "pg");
  const redisDir = join(runDir, "redis");
  const kafkaEnv = {
    ...process.env,
    KAFKA_PORT: String(ports.kafka),
    KAFKA_CONTROLLER_PORT: String(ports.kafkaController),
    KAFKA_RUN_DIR: kafkaDir,
    KAFKA_HEAP: "-Xmx768M -Xms256M",
  };
  const kafka = (command: string) => run("bash", [join(ROOT, "scripts/kafka.sh"), command], { env: kafkaEnv, maxBuffer: 1 << 24 });
  const pgCtl = (...args: string[]) => {
    const [command, argv] = asPostgresUser(join(PG_BIN, "pg_ctl"), [
      "-D",
      join(pgDir, "data"),
      "-o",
      `-p ${ports.postgres} -k ${pgDir} -c listen_addresses=127.0.0.1 -c max_connections=200`,
      "-l",
      join(pgDir, "postgres.log"),
      "-w",
      ...args,
    ]);
    return run(command, argv, { maxBuffer: 1 << 24 });
  };
  // One Redis command on a short-lived client of the project's own (ioredis, fails fast): redis-cli
  // hangs under libfaketime, which the suite's shifted-clock run preloads into every child process.
  const redisCommand = async (command: string, ...args: string[]): Promise<unknown> => {
    const client = createRedis(`redis://127.0.0.1:${ports.redis}`, createLogger("e2e-infra", "silent"), "e2e-infra");
    client.options.retryStrategy = () => null;
    try {
      await client.connect();
      return await client.call(command, ...args);
    } catch (error) {
      // SHUTDOWN closes the connection instead of answering; a Redis already gone is fine too.
      if (command === "SHUTDOWN") return "";
      throw error;
    } finally {
      client.disconnect();
    }
  };
  // Redis hangs under libfaketime (the suite's shifted-clock run preloads it into every child), so
  // it starts without it, as the machine's shared Redis runs; its clock only times TTLs. In the
  // foreground of its own session rather than --daemonize, so nothing waits on a fork.
  const startRedis = async () => {
    const args = ["--port", String(ports.redis), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
    args.push("--dir", redisDir, "--pidfile", join(redisDir, "redis.pid"), "--logfile", join(redisDir, "redis.log"));
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !["LD_PRELOAD", "FAKETIME"].includes(name)));
    spawn("redis-server", args, { detached: true, stdio: "ignore", env }).unref();
    await eventually(
      // eventually already treats a refused connection as "not yet" and reports the last error.
      () => redisCommand("PING").then((reply) => (reply === "PONG" ? true : undefined)),
      30_000,
      `redis-server answering on port ${ports.redis} (see ${join(redisDir, "redis.log")})`,
    );
  };

  return {
    databaseUrl: `postgres://postgres@127.0.0.1:${ports.postgres}/honorarium`,
    redisUrl: `redis://127.0.0.1:${ports.redis}`,
    kafkaBrokers: `127.0.0.1:${ports.kafka}`,
    async up() {
      for (const dir of [kafkaDir, pgDir, redisDir]) mkdirSync(dir, { recursive: true });
      if (process.getuid?.() === 0) {
        const uid = Number(spawnSync("id", ["-u", "postgres"]).stdout.toString().trim());
        const gid = Number(spawnSync("id", ["-g", "postgres"]).stdout.toString().trim());
        chownSync(pgDir, uid, gid);
        chmodSync(runDir, 0o755);
      }
      if (!existsSync(join(pgDir, "data"))) {
        const [command, argv] = asPostgresUser(join(PG_BIN, "initdb"), ["-D", join(pgDir, "data"), "-U", "postgres", "--auth=trust", "-N"]);
        await run(command, argv, { maxBuffer: 1 << 24 });
      }
      await Promise.all([pgCtl("start"), startRedis(), kafka("up")]);
      await run(process.execPath, [join(ROOT, "shared/src/db/migrate-cli.ts"), "latest"], {
        env: { ...process.env, DATABASE_URL: this.databaseUrl },
      });
    },
    async restartKafka() {
      await kafka("restart");
    },
    async restartPostgres() {
      await pgCtl("-m", "fast", "restart");
    },
    async stopKafka() {
      await kafka("down");
    },
    async startKafka() {
      await kafka("up");
    },
    async stopPostgres() {
      await pgCtl("-m", "fast", "stop");
    },
    async startPostgres() {
      await pgCtl("start");
    },
    async flushRedis() {
      await redisCommand("FLUSHALL");
    },
    async down() {
      await Promise.allSettled([kafka("down"), pgCtl("-m", "fast", "stop"), redisCommand("SHUTDOWN", "NOSAVE")]);
    },
  };
}
