using System.Collections.Generic;

namespace AnarchoRedis.Jepsen.Checking;

/// <summary>One anomaly, with enough to find it in the history and on the nodes.</summary>
public sealed record Anomaly(string Key, string? Node, string Detail);

/// <summary>Counts of one kind of anomaly and the first few examples.</summary>
public sealed class AnomalyList
{
    private const int MaxExamples = 20;

    public long Count { get; private set; }

    public List<Anomaly> Examples { get; } = new();

    public void Add(Anomaly anomaly)
    {
        Count++;
        if (Examples.Count < MaxExamples)
        {
            Examples.Add(anomaly);
        }
    }
}

public sealed record OutcomeCounts
{
    public long Ok { get; set; }

    public long Fail { get; set; }

    public long Info { get; set; }

    public long Total => Ok + Fail + Info;

    public double OkRatio => Total == 0 ? 0 : (double)Ok / Total;
}

public sealed record LatencySummary(long Count, double P50Ms, double P99Ms, double P999Ms, double MaxMs);

/// <summary>What the checker found. <see cref="Valid"/> is the verdict the exit code follows.</summary>
public sealed class CheckResult
{
    /// <summary>Acknowledged appends missing from a node's list (one per element and node).</summary>
    public AnomalyList LostAppends { get; } = new();

    /// <summary>An element held more than once in one node's list.</summary>
    public AnomalyList DuplicateElements { get; } = new();

    /// <summary>An element no append of that list invoked, or whose append definitely failed.</summary>
    public AnomalyList UnexpectedElements { get; } = new();

    /// <summary>A register whose final version on a node is older than its newest acknowledged write or delete.</summary>
    public AnomalyList LostRegisterWrites { get; } = new();

    /// <summary>A register whose newest acknowledged operation is a delete but which holds an older live value.</summary>
    public AnomalyList ResurrectedDeletes { get; } = new();

    /// <summary>A register whose final value no write invoked, or whose version is not the one its write was acknowledged with.</summary>
    public AnomalyList UnexpectedRegisterValues { get; } = new();

    /// <summary>Replicated keys on which a node differs from node 0 (data, meta or list tombstones, byte for byte).</summary>
    public AnomalyList ReplicaDifferences { get; } = new();

    /// <summary>Anti-entropy slot keys (digests and indexes) that differ after the final pass: part of the verdict (bookkeeping included).</summary>
    public AnomalyList SlotKeyDifferences { get; } = new();

    /// <summary>
    /// Ok reads that missed a write acknowledged before the read was invoked (register older than it, list without the
    /// element). Part of the verdict when strict (the orchestrator's default): the epoch key (docs/failures.md, "Empty-restart
    /// detection") keeps a node restarted empty from serving them until a pass has refilled it.
    /// </summary>
    public AnomalyList StaleReads { get; } = new();

    /// <summary>Ok reads that returned a value or element no write invoked.</summary>
    public AnomalyList UnexpectedReads { get; } = new();

    /// <summary>
    /// An element that was definitely removed (an ok remove that removed it, or an ok list delete whose version is at or
    /// above the element's) held by a node at the end, or returned by a read invoked after that removal was acknowledged.
    /// </summary>
    public AnomalyList ResurrectedElements { get; } = new();

    /// <summary>
    /// A value or list whose expiry on a node is not the one its write set: a time to live where the write that made the
    /// value (or the list's newest push) set none (it would vanish), or an expiry outside the window the writing client
    /// computed it in (it would outlive its acknowledged expiry, or vanish early).
    /// </summary>
    public AnomalyList ExpiryMismatches { get; } = new();

    /// <summary>A register whose meta holds a live version but whose value is gone, though that write set no time to live or its expiry is not due.</summary>
    public AnomalyList VanishedValues { get; } = new();

    /// <summary>A write acknowledged below a version more than MaxClockSkew ahead that was acknowledged before it began: it can never be seen.</summary>
    public AnomalyList InvisibleWrites { get; } = new();

    /// <summary>An ok read that returned a value invoked after that value's acknowledged expiry had passed.</summary>
    public AnomalyList ExpiredReads { get; } = new();

    /// <summary>
    /// Cluster mode: a replica whose slot epochs are not all 16,384 <c>ready</c> after the final pass (a slot still
    /// filling would not count toward R, so the pass that should have refilled it did not finish). One per replica.
    /// </summary>
    public AnomalyList SlotEpochsNotReady { get; } = new();

    /// <summary>
    /// Cluster mode: keys <c>KeyspaceComparison.CompareReplicasAsync</c> (the testing kit's judge: every shard's primary
    /// of every replica, bookkeeping and slot keys included) finds held differently, read after the final pass.
    /// </summary>
    public AnomalyList KeyspaceDifferences { get; } = new();

    /// <summary>The queue workload: an element returned by more than one ok pop (one per element, naming every pop).</summary>
    public AnomalyList QueueDuplicates { get; } = new();

    /// <summary>
    /// The queue workload: an acknowledged push whose element no ok pop returned and some node does not hold at the end,
    /// beyond what the indeterminate pops of its queue may have consumed (one per element).
    /// </summary>
    public AnomalyList QueueLost { get; } = new();

    /// <summary>
    /// The queue workload: acknowledged pushes neither popped nor held at the end that an indeterminate pop of the same
    /// queue may have consumed (at most one element per such pop, and only a pop that had not completed before the push
    /// began): informational, not part of the verdict. An exactly-once pop that fails after its take began may have
    /// removed the element without returning it.
    /// </summary>
    public AnomalyList QueuePossiblyConsumed { get; } = new();

    /// <summary>The queue workload: an ok pop returned an element no push of that queue invoked, whose push definitely failed, or which was pushed only after the pop completed.</summary>
    public AnomalyList QueuePoppedNeverPushed { get; } = new();

    /// <summary>The queue workload: an element an ok pop returned that a node still holds at the end (one per element and node).</summary>
    public AnomalyList QueuePoppedStillHeld { get; } = new();

    /// <summary>The queue workload: a node's queue holds an element no push of that queue invoked, whose push definitely failed, or holds it twice.</summary>
    public AnomalyList QueueUnexpectedElements { get; } = new();

    public long QueuePushesAcknowledged { get; set; }

    /// <summary>Ok pops that returned an element.</summary>
    public long QueuePops { get; set; }

    /// <summary>Ok pops that returned nothing (nothing claimable).</summary>
    public long QueueEmptyPops { get; set; }

    /// <summary>Pops that ended indeterminate (info: they may have removed an element without returning it).</summary>
    public long QueueIndeterminatePops { get; set; }

    /// <summary>Distinct elements some node's queue holds at the end.</summary>
    public long QueueElementsLeft { get; set; }

    /// <summary>
    /// The feed workload: an acknowledged push missing from a node at the end although it must still be there (a node
    /// holds an older element, or fewer than N pushes that may have applied can be newer and no keep-newest trim can have
    /// covered it). One per element and node.
    /// </summary>
    public AnomalyList FeedLost { get; } = new();

    /// <summary>The feed workload: a node or an ok read holds an element never pushed onto that feed (or whose push failed), twice, or under another id than acknowledged.</summary>
    public AnomalyList FeedUnexpected { get; } = new();

    /// <summary>The feed workload: an ok read that returned an element but not a newer push acknowledged before it began. Part of the verdict unless reads are lenient.</summary>
    public AnomalyList FeedStaleReads { get; } = new();

    /// <summary>
    /// The feed workload: bookkeeping out of bounds: an element tombstone (sampled or at the end), a list longer than
    /// MaxLength + slack in a sample or longer than MaxLength at the end, a meta hash whose field count changed.
    /// </summary>
    public AnomalyList FeedBookkeeping { get; } = new();

    /// <summary>The feeds' MaxLength (N).</summary>
    public int FeedCap { get; set; }

    /// <summary>How many elements above N a sampled feed may hold (the pushes that can cross at once).</summary>
    public int FeedLengthSlack { get; set; }

    public long FeedPushesAcknowledged { get; set; }

    /// <summary>Feed pushes that ended indeterminate (info).</summary>
    public long FeedPushesIndeterminate { get; set; }

    /// <summary>Ok keep-newest trims.</summary>
    public long FeedTrims { get; set; }

    /// <summary>Ok feed reads.</summary>
    public long FeedReads { get; set; }

    /// <summary>Bookkeeping samples (one per node and feed) taken while the workload ran.</summary>
    public long FeedSamples { get; set; }

    public long FeedMaxTombstonesSampled { get; set; }

    public long FeedMaxTombstonesFinal { get; set; }

    public long FeedMaxLengthSampled { get; set; }

    public long FeedMaxLengthFinal { get; set; }

    /// <summary>The most elements an ok feed read returned.</summary>
    public long FeedMaxReadLength { get; set; }

    public long FeedMetaFieldsMin { get; set; }

    public long FeedMetaFieldsMax { get; set; }

    /// <summary>Distinct elements some node's feeds hold at the end.</summary>
    public long FeedElementsHeld { get; set; }

    public Dictionary<string, OutcomeCounts> Operations { get; } = new();

    public Dictionary<string, OutcomeCounts> OperationsDuringFaults { get; } = new();

    public OutcomeCounts AllOperations { get; } = new();

    public OutcomeCounts AllOperationsDuringFaults { get; } = new();

    /// <summary>The most frequent errors of failed and indeterminate operations (node addresses and timings kept, key cut off), with counts.</summary>
    public Dictionary<string, int> Errors { get; } = new();

    public LatencySummary? Latency { get; set; }

    public Dictionary<string, LatencySummary> LatencyByFunction { get; } = new();

    public long AcknowledgedAppends { get; set; }

    public long AcknowledgedRegisterOps { get; set; }

    /// <summary>Ok removes (that removed something), trims and list deletes.</summary>
    public long AcknowledgedListRemovals { get; set; }

    public int KeysCompared { get; set; }

    /// <summary>Whether stale reads count against <see cref="Valid"/>.</summary>
    public bool StrictReads { get; set; }

    public bool ReplicasIdentical => ReplicaDifferences.Count == 0 && SlotKeyDifferences.Count == 0 && KeyspaceDifferences.Count == 0;

    public bool Valid =>
        LostAppends.Count == 0 && DuplicateElements.Count == 0 && UnexpectedElements.Count == 0 &&
        LostRegisterWrites.Count == 0 && ResurrectedDeletes.Count == 0 && UnexpectedRegisterValues.Count == 0 &&
        ReplicaDifferences.Count == 0 && SlotKeyDifferences.Count == 0 && UnexpectedReads.Count == 0 && (!StrictReads || StaleReads.Count == 0) &&
        ResurrectedElements.Count == 0 && ExpiryMismatches.Count == 0 && VanishedValues.Count == 0 && ExpiredReads.Count == 0 && InvisibleWrites.Count == 0 &&
        SlotEpochsNotReady.Count == 0 && KeyspaceDifferences.Count == 0 &&
        QueueDuplicates.Count == 0 && QueueLost.Count == 0 && QueuePoppedNeverPushed.Count == 0 && QueuePoppedStillHeld.Count == 0 && QueueUnexpectedElements.Count == 0 &&
        FeedLost.Count == 0 && FeedUnexpected.Count == 0 && FeedBookkeeping.Count == 0 && (!StrictReads || FeedStaleReads.Count == 0);
}
