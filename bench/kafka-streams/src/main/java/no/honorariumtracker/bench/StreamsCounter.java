package no.honorariumtracker.bench;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The counter's counting job in Kafka Streams, for bench/counter/run.ts: read
 * assignment.confirmed.v1, skip an (assignmentId, peerMentorId) seen before, and count the rest
 * per organisation, scope, mentor and Europe/Oslo year of confirmedAt. Exactly-once v2, both
 * stores persistent RocksDB stores with their changelog topics (the Streams default, and what
 * makes them survive a crash as the counter's Postgres tables do).
 *
 * <p>Processor API: one processor with the two stores. The topic is keyed by mentor, so both
 * store keys live in the partition of their record and nothing is repartitioned. The count store
 * has the record cache on (a few hundred hot keys: increments are merged until the next commit);
 * the dedupe store has it off (every key is new, a cache would only copy it).
 *
 * <p>Usage: StreamsCounter BOOTSTRAP APPLICATION_ID TOPIC STATE_DIR [THREADS]
 *
 * <p>Stdout, one line each, for the harness: {@code RUNNING <epoch ms>} whenever the instance
 * enters RUNNING (every thread's partitions assigned, stores open), {@code FIRST <epoch ms>} when
 * the first record is processed (with several threads, one may start before the instance is
 * RUNNING; the harness starts its clock at whichever comes first), and after SIGTERM
 * {@code SUMMARY {...}} with what was processed and what the stores hold. The harness does not
 * rely on this process to say when records are committed: it polls the application's committed
 * offsets from the broker, which under exactly_once_v2 move only when a transaction (state
 * changelog writes and offsets together) commits, every commit.interval.ms (100 ms by default
 * under EOS).
 */
public final class StreamsCounter {
  static final String SEEN_STORE = "seen";
  static final String COUNT_STORE = "counts";
  static final ZoneId OSLO = ZoneId.of("Europe/Oslo");
  static final byte[] PRESENT = {1};

  /** The fields the count needs; the others (eventId, coordinatorId) are not read. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record Confirmed(String assignmentId, String peerMentorId, String organizationId, String scopeId, String confirmedAt) {}

  static final AtomicBoolean FIRST_SEEN = new AtomicBoolean(false);
  static final LongAdder PROCESSED = new LongAdder();
  static final LongAdder DUPLICATES = new LongAdder();
  static final LongAdder REJECTED = new LongAdder();

  static final class CountProcessor implements Processor<byte[], byte[], Void, Void> {
    private final ObjectReader reader;
    private KeyValueStore<String, byte[]> seen;
    private KeyValueStore<String, Long> counts;

    CountProcessor(ObjectReader reader) {
      this.reader = reader;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      seen = context.getStateStore(SEEN_STORE);
      counts = context.getStateStore(COUNT_STORE);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
      if (!FIRST_SEEN.get() && FIRST_SEEN.compareAndSet(false, true)) {
        System.out.println("FIRST " + System.currentTimeMillis());
        System.out.flush();
      }
      Confirmed event;
      int year;
      try {
        event = reader.readValue(record.value());
        if (event.assignmentId() == null || event.peerMentorId() == null || event.organizationId() == null
            || event.scopeId() == null || event.confirmedAt() == null) {
          throw new IOException("missing field");
        }
        year = OffsetDateTime.parse(event.confirmedAt()).atZoneSameInstant(OSLO).getYear();
      } catch (IOException | RuntimeException malformed) {
        // The counter dead-letters these; here they are only counted (the bench sends none).
        REJECTED.increment();
        PROCESSED.increment();
        return;
      }
      String dedupeKey = event.assignmentId() + "|" + event.peerMentorId();
      if (seen.get(dedupeKey) != null) {
        DUPLICATES.increment();
      } else {
        seen.put(dedupeKey, PRESENT);
        String countKey = event.organizationId() + "|" + event.scopeId() + "|" + event.peerMentorId() + "|" + year;
        Long count = counts.get(countKey);
        counts.put(countKey, count == null ? 1L : count + 1L);
      }
      PROCESSED.increment();
    }
  }

  static Topology topology(String topic) {
    ObjectReader reader = new ObjectMapper().readerFor(Confirmed.class);
    Topology topology = new Topology();
    topology.addSource("confirmed", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(), topic);
    topology.addProcessor("count", () -> new CountProcessor(reader), "confirmed");
    topology.addStateStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SEEN_STORE), Serdes.String(), Serdes.ByteArray()),
        "count");
    topology.addStateStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(COUNT_STORE), Serdes.String(), Serdes.Long())
            .withCachingEnabled(),
        "count");
    return topology;
  }

  public static void main(String[] args) throws InterruptedException {
    if (args.length < 4) {
      System.err.println("usage: StreamsCounter BOOTSTRAP APPLICATION_ID TOPIC STATE_DIR [THREADS]");
      System.exit(2);
    }
    Properties props = new Properties();
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, args[1]);
    props.put(StreamsConfig.STATE_DIR_CONFIG, args[3]);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, args.length > 4 ? Integer.parseInt(args[4]) : 1);
    // There is no global store; this only silences the start-up warning about the 5.0 default.
    props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    // Everything else is Kafka Streams' default: commit.interval.ms 100 under EOS, a 10 MB record
    // cache, read_committed, auto.offset.reset earliest, the default RocksDB settings.

    KafkaStreams streams = new KafkaStreams(topology(args[2]), props);
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicBoolean failed = new AtomicBoolean(false);
    streams.setStateListener((next, previous) -> {
      if (next == KafkaStreams.State.RUNNING) {
        System.out.println("RUNNING " + System.currentTimeMillis());
        System.out.flush();
      }
      if (next == KafkaStreams.State.ERROR || next == KafkaStreams.State.NOT_RUNNING) stopped.countDown();
    });
    streams.setUncaughtExceptionHandler(error -> {
      failed.set(true);
      System.err.println("stream thread failed: " + error);
      error.printStackTrace();
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (streams.state() == KafkaStreams.State.RUNNING) System.out.println("SUMMARY " + summary(streams));
      System.out.flush();
      streams.close(Duration.ofSeconds(30));
    }));
    streams.start();
    stopped.await();
    if (failed.get()) {
      // Not through the shutdown hook's close: the client is already shutting down itself.
      Runtime.getRuntime().halt(1);
    }
  }

  /** What was processed and what the stores hold (read through interactive queries, after the timing). */
  static String summary(KafkaStreams streams) {
    ReadOnlyKeyValueStore<String, Long> counts =
        streams.store(StoreQueryParameters.fromNameAndType(COUNT_STORE, QueryableStoreTypes.keyValueStore()));
    ReadOnlyKeyValueStore<String, byte[]> seen =
        streams.store(StoreQueryParameters.fromNameAndType(SEEN_STORE, QueryableStoreTypes.keyValueStore()));
    long counted = 0;
    long countKeys = 0;
    try (KeyValueIterator<String, Long> all = counts.all()) {
      while (all.hasNext()) {
        KeyValue<String, Long> entry = all.next();
        counted += entry.value;
        countKeys += 1;
      }
    }
    return "{\"processed\":" + PROCESSED.sum() + ",\"duplicates\":" + DUPLICATES.sum() + ",\"rejected\":" + REJECTED.sum()
        + ",\"counted\":" + counted + ",\"countKeys\":" + countKeys + ",\"seenKeys\":" + seen.approximateNumEntries() + "}";
  }
}
