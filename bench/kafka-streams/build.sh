#!/usr/bin/env bash
# Builds the Kafka Streams peer (bench/kafka-streams) for bench/counter/run.ts and prints the
# folder that holds it: app.jar plus lib/ (its runtime classpath, copied by the dependency plugin).
# Kafka Streams, RocksDB's JNI jar and Jackson come from Maven Central like the broker
# (scripts/kafka.sh); the build lands in the cache folder outside git, one folder per content
# hash of this module, so an edit rebuilds and an unchanged module is not built again.
LOG_TAG=bench-streams
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

MODULE_DIR="$ROOT_DIR/bench/kafka-streams"
require_cmd java "the Kafka Streams peer needs Java 17 or newer: apt-get install openjdk-17-jdk-headless"
require_cmd mvn "the Kafka Streams peer is built with Maven: apt-get install maven"
hash="$(cd "$MODULE_DIR" && find pom.xml src -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)"
OUT_DIR="$CACHE_DIR/bench-kafka-streams/$hash"
if [ ! -f "$OUT_DIR/.complete" ]; then
  log "building the Kafka Streams peer into $OUT_DIR"
  rm -rf "$OUT_DIR"
  mvn -q -B -f "$MODULE_DIR/pom.xml" package -Dbench.build.dir="$OUT_DIR" >&2 \
    || die "Maven could not build bench/kafka-streams (is Maven Central reachable?)"
  touch "$OUT_DIR/.complete"
fi
printf '%s\n' "$OUT_DIR"
