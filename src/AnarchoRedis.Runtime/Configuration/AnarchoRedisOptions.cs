using System;
using System.Collections.Generic;
using MessagePack;

namespace AnarchoRedis;

/// <summary>
/// Options of an <see cref="AnarchoRedisClient"/>: the replica set and the replication policies. Bindable from
/// configuration (<c>services.AddAnarchoRedis(configuration.GetSection("AnarchoRedis"))</c>).
/// </summary>
public sealed class AnarchoRedisOptions
{
    /// <summary>The default <see cref="EpochKey"/>.</summary>
    public const string DefaultEpochKey = "anrcho_epoch";

    /// <summary>The default meta key prefix, as the protocol names it.</summary>
    public const string DefaultMetaKeyPrefix = "anrcho_version:";

    /// <summary>
    /// The N replica nodes, each a StackExchange.Redis configuration string (<c>"127.0.0.1:6379,password=…"</c>).
    /// Every node is an independent Redis server; they never talk to each other. Order matters only for names in logs.
    /// </summary>
    public IList<string> Nodes { get; set; } = new List<string>();

    /// <summary>The write quorum W used when neither the call nor the type says otherwise. Default <see cref="Consistency.Quorum"/>.</summary>
    public Consistency WriteConsistency { get; set; } = Consistency.Quorum;

    /// <summary>The read quorum R used when neither the call nor the type says otherwise. Default <see cref="Consistency.Quorum"/>.</summary>
    public Consistency ReadConsistency { get; set; } = Consistency.Quorum;

    /// <summary>How stale replicas seen by a read are repaired. Default <see cref="ReadRepairMode.Blocking"/>.</summary>
    public ReadRepairMode ReadRepair { get; set; } = ReadRepairMode.Blocking;

    /// <summary>
    /// Which nodes a read is sent to: all of them (default) or only R, hedged (<see cref="AnarchoRedis.ReadFanOut.Required"/>).
    /// </summary>
    public ReadFanOut ReadFanOut { get; set; } = ReadFanOut.All;

    /// <summary>
    /// With <see cref="AnarchoRedis.ReadFanOut.Required"/>: the least time a read waits for its R nodes before it also
    /// asks every other node. The wait adapts above it: the reads' smoothed time to a quorum plus four mean deviations
    /// (as TCP's retransmission timer), at most half of <see cref="NodeTimeout"/>, so only reads slower than the usual
    /// spread hedge, and hedging backs off when every node is slow. Default 2 ms; positive and below <see cref="NodeTimeout"/>.
    /// </summary>
    public TimeSpan HedgeDelay { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// How long one command to one node may take before its outcome is reported as timed out (indeterminate).
    /// Default 1 second.
    /// </summary>
    public TimeSpan NodeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long connecting to one node may take. Default 2 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The prefix of meta keys. Default <c>anrcho_version:</c>. It must not contain <c>{</c> or <c>}</c>, so that the
    /// meta key keeps its data key's cluster hash slot.
    /// </summary>
    public string MetaKeyPrefix { get; set; } = DefaultMetaKeyPrefix;

    /// <summary>
    /// The prefix of the companion key that holds a list's element tombstones (removed element ids and their removal
    /// times). Default <c>anrcho_tomb:</c>. It must not contain <c>{</c> or <c>}</c>, and user keys must not start with it.
    /// </summary>
    public string ListTombstonePrefix { get; set; } = "anrcho_tomb:";

    /// <summary>
    /// Prefix of the claims hashes that exactly-once pops keep per list (<c>PopLeftOnceAsync</c>): element id to the
    /// popper about to take it and until when (a lease). Default <c>anrcho_claim:</c>. It must not contain <c>{</c> or
    /// <c>}</c>, and user keys must not start with it. Each hash expires with its latest claim.
    /// </summary>
    public string ListClaimPrefix { get; set; } = "anrcho_claim:";

    /// <summary>
    /// How long an exactly-once pop's claim on an element keeps other poppers off it (default 10 seconds). A pop claims,
    /// then takes, within a few round trips; the lease only matters when a popper stops between the two (it crashed, or
    /// paused longer than this): the element then waits this long before another popper may claim it. A popper slower
    /// than its lease never returns an element another popper took (the take is refused): the lease bounds waiting, not
    /// correctness.
    /// </summary>
    public TimeSpan PopClaimLease { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How many claim rounds an exactly-once pop makes before giving up with <see cref="PopContendedException"/>
    /// (default 10). A round fails when concurrent poppers split the nodes' claims so that no element has a quorum; the
    /// next round waits a short random backoff that grows with each round.
    /// </summary>
    public int PopClaimAttempts { get; set; } = 10;

    /// <summary>
    /// Whether every write also keeps its key's slot digest and slot index up to date on each node (two hashes per
    /// cluster slot, <c>{SlotKeyPrefix}{tag}:digest</c> and <c>{SlotKeyPrefix}{tag}:keys</c>, updated atomically by the
    /// write script), so that anti-entropy compares slots instead of scanning every key. Default <see langword="true"/>.
    /// Turning it off saves a few Redis commands per write; anti-entropy then scans the keyspace.
    /// </summary>
    public bool SlotDigests { get; set; } = true;

    /// <summary>
    /// The prefix of the slot digest and slot index keys. Default <c>anrcho_slot:</c>. It must not contain <c>{</c> or
    /// <c>}</c>, must not be a prefix of the meta or list tombstone prefix nor start with one of them, and user keys
    /// must not start with it.
    /// </summary>
    public string SlotKeyPrefix { get; set; } = "anrcho_slot:";

    /// <summary>
    /// How long a tombstone (and the meta key of an expired value) is kept after the deletion or expiry before it
    /// may be purged. A node that is away for longer than this must come back empty. Default 1 day.
    /// </summary>
    public TimeSpan TombstoneGracePeriod { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// A version whose clock is this far ahead of the local clock is logged and counted
    /// (<c>anarchoredis.clock.skew_events</c>): it would otherwise win every last-writer-wins comparison. Default 5 minutes.
    /// </summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The 64-bit writer id in every version this client makes. <see langword="null"/> (the default) picks a random
    /// one per client instance. Two live clients must never share one.
    /// </summary>
    public ulong? WriterId { get; set; }

    /// <summary>
    /// The most value writes (or value reads) to one node that go in one script call (coalescing). Above 1: while
    /// <see cref="MaxCallsInFlightPerNode"/> calls of the write (or read) script to a node are on their way, further ones
    /// wait and then go together, as one call that runs each in turn (each atomically, each with its own outcome); a call
    /// made while the node keeps up goes at once, alone. Default 64; 1 turns coalescing off. Under load it cuts the
    /// client's CPU per operation by a third to a half (docs/benchmarks.md).
    /// </summary>
    public int MaxBatchSize { get; set; } = 64;

    /// <summary>How many coalesced calls of one script may be on their way to one node at once. Default 2.</summary>
    public int MaxCallsInFlightPerNode { get; set; } = 2;

    /// <summary>The largest serialized value accepted, in bytes. Default 16 MiB.</summary>
    public int MaxValueBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>The longest key accepted, in UTF-8 bytes. Default 16 KiB.</summary>
    public int MaxKeyBytes { get; set; } = 16 * 1024;

    /// <summary>
    /// MessagePack options for values. <see langword="null"/> (the default) uses the contractless standard resolver
    /// (attributed types keep their layout) with <see cref="MessagePackSecurity.UntrustedData"/>.
    /// </summary>
    public MessagePackSerializerOptions? SerializerOptions { get; set; }

    /// <summary>
    /// The name of the epoch key the library keeps on every node (a hash: <c>id</c>, <c>state</c>, <c>since</c>), by which
    /// a node that restarted empty is recognised: its read answers do not count toward R until anti-entropy has refilled
    /// it. Default <c>anrcho_epoch</c>. It must not start with, nor be a prefix of, the meta, list tombstone or slot key
    /// prefix, and no user key may be named so. Every client of the nodes must use the same name.
    /// </summary>
    public string EpochKey { get; set; } = DefaultEpochKey;

    /// <summary>
    /// How the client connects to every node: Redis user and password, TLS, the authority to trust and a client
    /// certificate (configuration section <c>Connection</c>; docs/security.md).
    /// </summary>
    public NodeConnectionOptions Connection { get; set; } = new();

    /// <summary>Node health: the circuit's failure threshold and the probe interval (configuration section <c>Health</c>).</summary>
    public NodeHealthOptions Health { get; set; } = new();

    /// <summary>The scheduled self-healer: interval, jitter, throttle (configuration section <c>AntiEntropy</c>).</summary>
    public AntiEntropyOptions AntiEntropy { get; set; } = new();

    /// <summary>Hints for nodes that missed writes: bound, replay interval, durability (configuration section <c>Hints</c>).</summary>
    public HintOptions Hints { get; set; } = new();
}
