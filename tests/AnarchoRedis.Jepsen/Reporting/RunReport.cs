using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using AnarchoRedis.Jepsen.Checking;

namespace AnarchoRedis.Jepsen.Reporting;

/// <summary>One anti-entropy pass the orchestrator ran, and why.</summary>
public sealed record PassSummary(string Reason, bool Clean, long KeysRepaired, long ValuesRepaired, long ListsRepaired, int UnreachableNodes, long Problems, double Seconds);

/// <summary>The JSON report of a <c>run</c>, and its human summary.</summary>
public sealed class RunReport
{
    public required int Seed { get; init; }

    public required double DurationSeconds { get; init; }

    public required int Workers { get; init; }

    public required int ClientsPerWorker { get; init; }

    public required int Keys { get; init; }

    public required int NodeTimeoutMs { get; init; }

    public required IReadOnlyList<string> FaultKinds { get; init; }

    /// <summary><c>default</c>, <c>queue</c> or <c>feed</c> (RunSettings.Workload).</summary>
    public string Workload { get; init; } = "default";

    public string Consistency { get; init; } = "W=Quorum R=Quorum of N=3";

    /// <summary>Cluster mode: shards per replica (0: every replica is one standalone redis-server).</summary>
    public int ClusterShards { get; init; }

    /// <summary>Cluster mode: replicas per shard (0 or 1).</summary>
    public int ShardReplicas { get; init; }

    public List<FaultWindow> Faults { get; } = new();

    public List<PassSummary> AntiEntropyPasses { get; } = new();

    public List<string> Notes { get; } = new();

    public required CheckResult Check { get; init; }

    public bool Valid => Check.Valid;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public void Write(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    public string Summary()
    {
        var c = Check;
        var s = new StringBuilder();
        s.AppendLine($"Jepsen-style check{(Workload == "default" ? string.Empty : $" ({Workload} workload)")}: seed {Seed}, {DurationSeconds:0} s, {Workers} worker processes x {ClientsPerWorker} clients, {Keys} keys, {Consistency}, node timeout {NodeTimeoutMs} ms");
        if (ClusterShards > 0)
        {
            s.AppendLine($"replicas: 3 Redis Clusters of {ClusterShards} shards each, {(ShardReplicas == 0 ? "a primary per shard" : "a primary and a replica per shard")}");
        }

        s.AppendLine($"faults: {Faults.Count} ({string.Join(", ", Faults.GroupBy(f => f.Kind).Select(g => $"{g.Key} x{g.Count()}"))}); anti-entropy passes: {AntiEntropyPasses.Count}");
        s.AppendLine($"operations: {c.AllOperations.Total} (ok {c.AllOperations.Ok}, fail {c.AllOperations.Fail}, info {c.AllOperations.Info}); during faults: {c.AllOperationsDuringFaults.Total} (ok {c.AllOperationsDuringFaults.Ok}, fail {c.AllOperationsDuringFaults.Fail}, info {c.AllOperationsDuringFaults.Info})");
        foreach (var (f, counts) in c.Operations.OrderBy(p => p.Key))
        {
            var during = c.OperationsDuringFaults.GetValueOrDefault(f) ?? new OutcomeCounts();
            var latency = c.LatencyByFunction.GetValueOrDefault(f);
            s.AppendLine($"  {f,-9} ok {counts.Ok,7} fail {counts.Fail,5} info {counts.Info,5} | during faults ok {during.Ok,6} fail {during.Fail,5} info {during.Info,5} | p50 {latency?.P50Ms:0.0} ms p99 {latency?.P99Ms:0.0} ms");
        }

        if (c.Latency is { } l)
        {
            s.AppendLine($"latency (all completed ops): p50 {l.P50Ms:0.00} ms, p99 {l.P99Ms:0.00} ms, p99.9 {l.P999Ms:0.00} ms, max {l.MaxMs:0.00} ms");
        }

        foreach (var (error, count) in c.Errors)
        {
            s.AppendLine($"  {count} x {error}");
        }

        s.AppendLine($"acknowledged appends: {c.AcknowledgedAppends}; acknowledged register writes and deletes: {c.AcknowledgedRegisterOps}; acknowledged removes, trims, list deletes: {c.AcknowledgedListRemovals}; keys compared across nodes: {c.KeysCompared}");
        Line(s, "acknowledged appends lost", c.LostAppends);
        Line(s, "duplicated elements", c.DuplicateElements);
        Line(s, "unexpected elements", c.UnexpectedElements);
        Line(s, "acknowledged register writes lost", c.LostRegisterWrites);
        Line(s, "deletes resurrected", c.ResurrectedDeletes);
        Line(s, "unexpected register values", c.UnexpectedRegisterValues);
        Line(s, "replicated keys not identical", c.ReplicaDifferences);
        Line(s, "unexpected read results", c.UnexpectedReads);
        Line(s, c.StrictReads ? "stale reads" : "stale reads (informational)", c.StaleReads);
        Line(s, "slot digest/index keys differing", c.SlotKeyDifferences);
        Line(s, "removed or deleted elements back", c.ResurrectedElements);
        Line(s, "expiries not the one written", c.ExpiryMismatches);
        Line(s, "values vanished before their expiry", c.VanishedValues);
        Line(s, "values read after their expiry", c.ExpiredReads);
        Line(s, "writes acknowledged below a version beyond MaxClockSkew", c.InvisibleWrites);
        if (Workload == "queue")
        {
            s.AppendLine($"queue: pushes acknowledged {c.QueuePushesAcknowledged}; pops that returned an element {c.QueuePops}, found nothing {c.QueueEmptyPops}, indeterminate {c.QueueIndeterminatePops}; elements left in the queues {c.QueueElementsLeft}");
            Line(s, "queue: elements popped twice (duplicates)", c.QueueDuplicates);
            Line(s, "queue: acknowledged pushes lost", c.QueueLost);
            Line(s, "queue: acknowledged pushes possibly consumed by an indeterminate pop (informational)", c.QueuePossiblyConsumed);
            Line(s, "queue: popped but never pushed", c.QueuePoppedNeverPushed);
            Line(s, "queue: popped but still held at the end", c.QueuePoppedStillHeld);
            Line(s, "queue: held at the end but never pushed (or held twice)", c.QueueUnexpectedElements);
        }

        if (Workload == "feed")
        {
            s.AppendLine($"feed (MaxLength {c.FeedCap}): pushes acknowledged {c.FeedPushesAcknowledged}, indeterminate {c.FeedPushesIndeterminate}; keep-newest trims {c.FeedTrims}; reads {c.FeedReads} (longest {c.FeedMaxReadLength}); elements held at the end {c.FeedElementsHeld}");
            s.AppendLine($"feed bookkeeping: {c.FeedSamples} samples during the run: max list length {c.FeedMaxLengthSampled} (bound {c.FeedCap} + {c.FeedLengthSlack}), max element tombstones {c.FeedMaxTombstonesSampled}; at the end: max list length {c.FeedMaxLengthFinal} (bound {c.FeedCap}), max element tombstones {c.FeedMaxTombstonesFinal}; meta fields {c.FeedMetaFieldsMin}-{c.FeedMetaFieldsMax}");
            Line(s, "feed: acknowledged pushes lost", c.FeedLost);
            Line(s, "feed: unexpected elements (never pushed, failed, twice, wrong id)", c.FeedUnexpected);
            Line(s, c.StrictReads ? "feed: stale reads" : "feed: stale reads (informational)", c.FeedStaleReads);
            Line(s, "feed: bookkeeping out of bounds", c.FeedBookkeeping);
        }

        if (ClusterShards > 0)
        {
            Line(s, "replicas with slot epochs not all ready", c.SlotEpochsNotReady);
            Line(s, "keys differing between replicas (CompareReplicasAsync)", c.KeyspaceDifferences);
        }
        foreach (var note in Notes)
        {
            s.AppendLine("note: " + note);
        }

        s.AppendLine(Valid ? $"VALID (replay with --seed {Seed})" : $"INVALID (replay with --seed {Seed})");
        return s.ToString();
    }

    private static void Line(StringBuilder s, string name, AnomalyList list)
    {
        s.AppendLine($"{name}: {list.Count}");
        foreach (var e in list.Examples.Take(5))
        {
            s.AppendLine($"    {e.Key} {e.Node}: {e.Detail}");
        }
    }
}
