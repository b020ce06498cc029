package io.streamstack.flink.common.kinesis;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.configuration.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * Lists the stream's shards every {@code source.shard.discovery.interval} and, once every reader
 * has registered, hands each shard to the reader with the fewest shards, once all of its parents
 * still in the stream have been read to their end (so that a key's records stay in order across a
 * reshard, as the KCL does). Shards known at the first start read from the initial position (LATEST
 * becomes AT_TIMESTAMP of that moment); later shards from TRIM_HORIZON.
 */
final class ShardEnumerator implements SplitEnumerator<ShardSplit, EnumeratorState> {
    private static final Logger LOG = LoggerFactory.getLogger(ShardEnumerator.class);
    private static final int MAX_DISCOVERY_FAILURES = 10;

    private final SplitEnumeratorContext<ShardSplit> context;
    private final String streamArn;
    private final Configuration config;
    private final Map<String, ShardSplit> assigned = new LinkedHashMap<>();
    private final Map<String, Integer> owner = new HashMap<>();
    private final Map<String, ShardSplit> pending = new LinkedHashMap<>();
    private final Set<String> finished = new HashSet<>();
    private final Set<String> listed = new HashSet<>();
    private boolean firstDiscoveryDone;
    private int discoveryFailures;
    private KinesisSourceOptions.Clients clients;
    private ShardLister lister;

    /** Lists every shard of the stream (a seam for tests). */
    interface ShardLister {
        List<Shard> list();
    }

    ShardEnumerator(
            SplitEnumeratorContext<ShardSplit> context,
            String streamArn,
            Configuration config,
            EnumeratorState restored) {
        this(context, streamArn, config, restored, null);
    }

    ShardEnumerator(
            SplitEnumeratorContext<ShardSplit> context,
            String streamArn,
            Configuration config,
            EnumeratorState restored,
            ShardLister lister) {
        this.lister = lister;
        this.context = context;
        this.streamArn = streamArn;
        this.config = config;
        if (restored != null) {
            restored.assigned.forEach(s -> assigned.put(s.shardId(), s));
            restored.pending.forEach(s -> pending.put(s.shardId(), s));
            finished.addAll(restored.finished);
            firstDiscoveryDone = true;
        }
    }

    @Override
    public void start() {
        if (lister == null) {
            clients = KinesisSourceOptions.client(streamArn, config);
            lister = this::listShardsOfStream;
        }
        long interval = config.get(KinesisSourceOptions.SHARD_DISCOVERY_INTERVAL).toMillis();
        context.callAsync(lister::list, this::onShards, 0, Math.max(1, interval));
    }

    private List<Shard> listShardsOfStream() {
        List<Shard> shards = new ArrayList<>();
        String token = null;
        do {
            ListShardsRequest request =
                    token == null
                            ? ListShardsRequest.builder().streamARN(streamArn).build()
                            : ListShardsRequest.builder().nextToken(token).build();
            ListShardsResponse response = clients.kinesis.listShards(request);
            shards.addAll(response.shards());
            token = response.nextToken();
        } while (token != null);
        return shards;
    }

    private void onShards(List<Shard> shards, Throwable error) {
        if (error != null) {
            discoveryFailures++;
            if (!firstDiscoveryDone || discoveryFailures >= MAX_DISCOVERY_FAILURES) {
                throw new IllegalStateException("cannot list the shards of " + streamArn, error);
            }
            LOG.warn(
                    "Listing the shards of {} failed ({} in a row): {}",
                    streamArn,
                    discoveryFailures,
                    error.toString());
            return;
        }
        discoveryFailures = 0;
        StartingPosition initial = null;
        if (!firstDiscoveryDone) {
            initial = KinesisSourceOptions.initialPosition(config);
            if (initial.kind() == StartingPosition.Kind.LATEST) {
                initial = StartingPosition.atTimestamp(Instant.now());
            }
        }
        listed.clear();
        for (Shard shard : shards) {
            String id = shard.shardId();
            listed.add(id);
            if (assigned.containsKey(id) || pending.containsKey(id) || finished.contains(id)) {
                continue;
            }
            List<String> parents = new ArrayList<>(2);
            if (shard.parentShardId() != null) {
                parents.add(shard.parentShardId());
            }
            if (shard.adjacentParentShardId() != null) {
                parents.add(shard.adjacentParentShardId());
            }
            StartingPosition position = initial != null ? initial : StartingPosition.trimHorizon();
            pending.put(id, new ShardSplit(streamArn, id, parents, position, false));
            LOG.info("Found shard {} (parents {}), reading from {}", id, parents, position);
        }
        // Finished shards that left the stream (retention) no longer hold anything back.
        finished.retainAll(listed);
        firstDiscoveryDone = true;
        assignPending();
    }

    private boolean ready(ShardSplit split) {
        for (String parent : split.parentShardIds()) {
            boolean present =
                    listed.contains(parent)
                            || assigned.containsKey(parent)
                            || pending.containsKey(parent);
            if (present && !finished.contains(parent)) {
                return false;
            }
        }
        return true;
    }

    private void assignPending() {
        Set<Integer> readers = context.registeredReaders().keySet();
        // Wait for every reader, or the first to register would get every shard.
        if (readers.isEmpty()
                || readers.size() < context.currentParallelism()
                || pending.isEmpty()) {
            return;
        }
        Map<Integer, Integer> load = new HashMap<>();
        readers.forEach(r -> load.put(r, 0));
        owner.forEach((shard, reader) -> load.computeIfPresent(reader, (r, n) -> n + 1));
        Map<Integer, List<ShardSplit>> assignment = new HashMap<>();
        for (ShardSplit split : new ArrayList<>(pending.values())) {
            if (!ready(split)) {
                continue;
            }
            int reader =
                    readers.stream()
                            .min(
                                    (a, b) ->
                                            load.get(a).equals(load.get(b))
                                                    ? Integer.compare(a, b)
                                                    : Integer.compare(load.get(a), load.get(b)))
                            .orElseThrow();
            load.merge(reader, 1, Integer::sum);
            assignment.computeIfAbsent(reader, r -> new ArrayList<>()).add(split);
            pending.remove(split.shardId());
            assigned.put(split.shardId(), split);
            owner.put(split.shardId(), reader);
        }
        if (!assignment.isEmpty()) {
            LOG.info("Assigning shards {}", assignment);
            context.assignSplits(new SplitsAssignment<>(assignment));
        }
    }

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {
        // Shards are pushed to the readers.
    }

    @Override
    public void addSplitsBack(List<ShardSplit> splits, int subtaskId) {
        for (ShardSplit s : splits) {
            assigned.remove(s.shardId());
            owner.remove(s.shardId());
            if (s.finished()) {
                finished.add(s.shardId());
            } else {
                pending.put(s.shardId(), s);
            }
        }
        assignPending();
    }

    @Override
    public void addReader(int subtaskId) {
        assignPending();
    }

    @Override
    public void handleSourceEvent(int subtaskId, SourceEvent event) {
        if (event instanceof SourceEvents.SplitsFinished) {
            Set<String> ids = ((SourceEvents.SplitsFinished) event).shardIds;
            for (String id : ids) {
                finished.add(id);
                assigned.remove(id);
                owner.remove(id);
            }
            context.sendEventToSourceReader(subtaskId, new SourceEvents.FinishedAck(ids));
            // Their children may be waiting: look at the stream now rather than at the next
            // interval.
            context.callAsync(lister::list, this::onShards);
        }
    }

    @Override
    public EnumeratorState snapshotState(long checkpointId) {
        return new EnumeratorState(
                new ArrayList<>(assigned.values()), new ArrayList<>(pending.values()), finished);
    }

    @Override
    public void close() {
        if (clients != null) {
            clients.close();
        }
    }
}
