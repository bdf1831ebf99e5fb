using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// What the value and list replicators share: the replica set, key naming, clock, options and diagnostics, quorum
/// sizes, clock observation with the skew check, node-error accounting and the quorum-failure report.
/// </summary>
internal abstract class Replicator
{
    private protected readonly ReplicaSet _nodes;
    private protected readonly KeySpace _keys;
    private protected readonly HybridLogicalClock _clock;
    private protected readonly AnarchoRedisOptions _options;
    private protected readonly AnarchoRedisMetrics _metrics;
    private protected readonly ILogger _logger;
    private protected readonly TimeProvider _time;

    /// <summary>The slot digest and slot index key names; <see langword="null"/> when slot digests are off.</summary>
    private protected readonly SlotKeys? _slots;

    /// <summary>How long a targeted read waits before hedging, adapted to this replicator's reads (made on the first).</summary>
    private AdaptiveHedgeDelay? _hedgeDelay;

    /// <summary>Hedges the targeted reads still undecided at their deadline, from one timer (made on the first).</summary>
    private HedgeScheduler? _hedges;

    private protected Replicator(ReplicationContext context)
    {
        Context = context;
        _slots = context.Slots;
        _nodes = context.Nodes;
        _keys = context.Keys;
        _clock = context.Clock;
        _options = context.Options;
        _metrics = context.Metrics;
        _logger = context.Logger;
        _time = context.Time;
    }

    /// <summary>What this replicator was built with.</summary>
    internal ReplicationContext Context { get; }

    /// <summary>Where missed writes become hints; <see langword="null"/> with hints off.</summary>
    internal IMissedWriteSink? Hints { get; set; }

    private protected long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private protected long GraceMs => Context.GraceMs;

    /// <summary>The earlier of two due times (Unix ms), 0 meaning none.</summary>
    private protected static long EarliestDue(long a, long b) => SlotEntry.EarliestDue(a, b);

    /// <summary>The absolute expiry (Unix ms) of a write: now plus the call's or the type's time to live; 0 for none.</summary>
    private protected long ExpiresAt(ReplicatedTypeDescriptor descriptor, WriteOptions? options)
    {
        if ((options?.TimeToLive ?? descriptor.TimeToLive) is not { } ttl)
        {
            return 0;
        }

        if (ttl <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), ttl, "A time to live must be positive.");
        }

        return NowMs + (long)Math.Ceiling(ttl.TotalMilliseconds);
    }

    /// <summary>
    /// The meta key's expiry: it outlives expiring data by the grace period, so a stale replica cannot bring the value
    /// back; 0 (no expiry) when the data has none.
    /// </summary>
    private protected long MetaExpiresAt(long expiresAt) => Context.MetaExpiresAt(expiresAt);

    /// <summary>Which nodes a read is sent to: the call's choice, else the client's.</summary>
    public ReadFanOut FanOut(ReadOptions? options) => options?.FanOut ?? _options.ReadFanOut;

    /// <summary>
    /// Sends a read and completes when its quorum is decided. With <see cref="ReadFanOut.All"/> (or R = N) every node is
    /// asked at once. With <see cref="ReadFanOut.Required"/> only the first R nodes of <see cref="ReplicaSet.ReadOrder"/>
    /// are; a node whose answer does not count is replaced by the sender itself (<see cref="QuorumCall{TReply}.TryTakeNext"/>),
    /// and when no quorum has formed after the adaptive hedge delay (<see cref="AdaptiveHedgeDelay"/>, at least
    /// <see cref="AnarchoRedisOptions.HedgeDelay"/>) every remaining node is asked, by the shared <see cref="HedgeScheduler"/>.
    /// </summary>
    /// <param name="call">The quorum call the sends report to.</param>
    /// <param name="fanOut">All nodes, or R hedged.</param>
    /// <param name="state">What <paramref name="send"/> needs (a static lambda with state allocates no closure).</param>
    /// <param name="send">Starts the read on one node; never throws (errors are replies).</param>
    /// <param name="cancellationToken">Cancels the wait (not the sends).</param>
    private protected Task SendReadAsync<TReply, TState>(QuorumCall<TReply> call, ReadFanOut fanOut, TState state, Action<TState, ReplicaNode> send, CancellationToken cancellationToken)
        where TReply : struct, INodeReply
    {
        if (fanOut == ReadFanOut.All || call.Required >= _nodes.Count)
        {
            foreach (var node in _nodes.Nodes)
            {
                send(state, node);
            }

            return call.Decision.WaitAsync(cancellationToken);
        }

        var started = Stopwatch.GetTimestamp();
        var order = _nodes.ReadOrder();
        var hedgeDelay = _hedgeDelay ?? LazyInitializer.EnsureInitialized(ref _hedgeDelay, () => new AdaptiveHedgeDelay(_options.HedgeDelay, _options.NodeTimeout));
        call.Target(order, call.Required, hedgeDelay, started);
        for (var i = 0; i < call.Required; i++)
        {
            send(state, _nodes.Nodes[order[i]]);
        }

        if (!call.Decision.IsCompleted)
        {
            var hedges = _hedges ?? LazyInitializer.EnsureInitialized(ref _hedges, () => new HedgeScheduler(TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, _options.HedgeDelay.Ticks / 2))));
            hedges.Schedule(new TargetedRead<TReply, TState>(this, call, state, send, started + hedgeDelay.CurrentTicks));
        }

        return call.Decision.WaitAsync(cancellationToken);
    }

    /// <summary>A targeted read queued for hedging: at its deadline, every node not asked yet is asked.</summary>
    private sealed class TargetedRead<TReply, TState>(Replicator owner, QuorumCall<TReply> call, TState state, Action<TState, ReplicaNode> send, long deadlineTicks) : IHedgeable
        where TReply : struct, INodeReply
    {
        public long DeadlineTicks => deadlineTicks;

        public bool IsDecided => call.Decision.IsCompleted;

        public void Hedge()
        {
            var hedged = 0;
            while (call.TryTakeNext(out var next))
            {
                hedged++;
                send(state, owner._nodes.Nodes[next]);
            }

            if (hedged > 0)
            {
                owner._metrics.ReadHedge("delay", hedged);
            }
        }
    }

    /// <summary>
    /// After a node's read reply that does not count: with a targeted read not yet decided, the next node to ask in its
    /// place (the caller sends), else <see langword="null"/>.
    /// </summary>
    private protected ReplicaNode? Replacement<TReply>(QuorumCall<TReply> call, in TReply reply)
        where TReply : struct, INodeReply
    {
        if (reply.Counts || !call.TryTakeNext(out var next))
        {
            return null;
        }

        _metrics.ReadHedge("replaced", 1);
        return _nodes.Nodes[next];
    }

    /// <summary>
    /// The time a merge judges a list's expiry against: the client's clock less <see cref="AnarchoRedisOptions.MaxClockSkew"/>,
    /// so that a client whose clock runs ahead (within the bound) never empties a list the nodes still keep; the nodes'
    /// own expiry removes it at its time.
    /// </summary>
    private protected long ExpiryJudgedAtMs => NowMs - (long)_options.MaxClockSkew.TotalMilliseconds;

    /// <summary>The node's epoch key, passed to read scripts so that a node that lost its data since its last check cannot count.</summary>
    private protected RedisKey EpochKey => _options.EpochKey;

    public int RequiredForWrite(ReplicatedTypeDescriptor descriptor, WriteOptions? options) =>
        _nodes.Required(options?.RequiredAcknowledgements, options?.Consistency ?? Consistency.Default, descriptor.WriteConsistency, _options.WriteConsistency);

    public int RequiredForRead(ReplicatedTypeDescriptor descriptor, ReadOptions? options) =>
        _nodes.Required(options?.RequiredReplies, options?.Consistency ?? Consistency.Default, descriptor.ReadConsistency, _options.ReadConsistency);

    /// <summary>
    /// Advances the clock past a version seen in a reply. One more than <see cref="AnarchoRedisOptions.MaxClockSkew"/>
    /// ahead of the local clock is not adopted (the clock refuses it): it is logged and counted, and the operation goes on
    /// (the version is still data, and wins its comparisons).
    /// </summary>
    /// <returns><see langword="false"/> for a version beyond the skew bound.</returns>
    internal bool Observe(ReplicatedVersion version, string key)
    {
        if (_clock.Observe(version))
        {
            return true;
        }

        _metrics.ClockSkew();
        Log.ClockSkew(_logger, version, key, _clock.AheadOfWallClock(version), _options.MaxClockSkew);
        return false;
    }

    /// <summary>A write's "superseded" answer from a node whose version is beyond the skew bound: not an acknowledgement.</summary>
    private protected VersionAheadException AheadOfClock(string key, ReplicaNode node, ReplicatedVersion stored) =>
        new(key, node.Name, stored, _clock.AheadOfWallClock(stored));

    private protected void NoteNodeError(ReplicaNode node, string key, NodeOutcomeKind kind, Exception? error)
    {
        var label = error switch
        {
            CorruptMetadataException => "corrupt_meta",
            WrongRedisTypeException => "wrong_type",
            KeyTypeMismatchException => "type_mismatch",
            ForeignListDataException => "foreign_data",
            VersionAheadException => "version_ahead",
            ReplicaDataMissingException => "missing",
            NodePermissionException => "permission",
            _ => kind switch
            {
                NodeOutcomeKind.TimedOut => "timeout",
                NodeOutcomeKind.Skipped => "skipped",
                _ => "error",
            },
        };
        _metrics.NodeError(node.Name, label);
        if (error is NodeDataException)
        {
            Log.BadNodeData(_logger, node.Name, key, error.Message);
        }
    }

    /// <summary>
    /// A node did not acknowledge a write: before the decision, or after it (a node still pending when the write
    /// returned that then failed or timed out). It is counted and logged, and the node gets a hint, recorded once the
    /// decision is made.
    /// </summary>
    private protected void OnMissedWrite(ReplicaNode node, string key, ReplicatedVersion version, string typeName, NodeOutcomeKind kind, Exception? error, Task decision)
    {
        _metrics.MissedWrite(node.Name);
        Log.MissedWrite(_logger, node.Name, key, version, kind, error);
        Hints?.Record(node, key, typeName, error, decision);
    }

    /// <summary>
    /// Starts the span of one quorum operation (<see cref="AnarchoRedisTracing.StartOperation"/>); <see langword="null"/>,
    /// allocating nothing, when nobody listens.
    /// </summary>
    private protected Activity? StartSpan(string operation, string typeName, string keyKind, int required) =>
        AnarchoRedisTracing.StartOperation(operation, typeName, keyKind, required, _nodes.Count);

    /// <summary>Counts an operation's outcome and its duration, and tags its span with the outcome.</summary>
    private protected void Completed(string operation, string outcome, long started, Activity? span)
    {
        _metrics.Operation(operation, outcome, started);
        AnarchoRedisTracing.Outcome(span, outcome);
    }

    /// <summary>A read reply's node event: <c>answered</c> (counted), <c>not_counted</c> (used, not counted) or the failure.</summary>
    private protected static (string Outcome, Exception? Error) DescribeRead<TReply>(TReply reply)
        where TReply : struct, INodeReadReply<TReply> =>
        reply.IsError ? (AnarchoRedisTracing.OutcomeName(reply.ErrorKind), reply.Error)
        : reply.IsNotCounted ? ("not_counted", reply.Error)
        : ("answered", null);

    /// <summary>The quorum failure of an operation; <paramref name="isWrite"/> false for a read (never indeterminate).</summary>
    private protected QuorumNotReachedException QuorumFailure<TReply>(string operation, string key, int required, TReply[] replies, bool[] arrived, Func<TReply, NodeOutcome> describe, bool isWrite = true)
        where TReply : struct, INodeReply
    {
        var outcomes = new NodeOutcome[replies.Length];
        for (var i = 0; i < replies.Length; i++)
        {
            var node = _nodes.Nodes[i].Name;
            outcomes[i] = arrived[i] ? describe(replies[i]) with { Node = node } : new NodeOutcome(node, NodeOutcomeKind.Pending);
        }

        var exception = new QuorumNotReachedException(operation, key, required, outcomes, isWrite);
        Log.QuorumNotReached(_logger, operation, key, exception.Acknowledged, required, string.Join(", ", outcomes.Select(o => $"{o.Node}={o.Kind}")));
        return exception;
    }
    /// <summary>
    /// A quorum read's part on one node: the version seen moves the clock; a missing copy, or a node that does not count
    /// for reads yet (filling after an empty restart, or unverified), is used (a candidate, and repaired when stale) but
    /// not counted; a reply that does not count lets a targeted read ask the next node in its place.
    /// </summary>
    private protected readonly struct QuorumReadStep<TReply, TParser>(Replicator owner, QuorumCall<TReply> call, string key, RedisKey[] keys, RedisValue[] args, TParser parser) : INodeStep<TReply>
        where TReply : struct, INodeReadReply<TReply>
        where TParser : struct, IReadParser<TReply>
    {
        public LuaScript Script => parser.Script;

        public RedisKey[] Keys => keys;

        public RedisValue[] Args => args;

        /// <summary>Starts the read on a node.</summary>
        public void Send(ReplicaNode node) => _ = NodeCall.RunAsync<TReply, QuorumReadStep<TReply, TParser>>(node, this);

        public TReply Parse(ReplicaNode node, RedisResult result)
        {
            var reply = parser.Parse(result, key, node.Name);
            if (!reply.IsError && !reply.Version.IsZero)
            {
                owner.Observe(reply.Version, key);
            }

            return reply;
        }

        public TReply Failed(ReplicaNode node, NodeOutcomeKind kind, Exception error) => TReply.Failed(kind, error);

        public void Complete(ReplicaNode node, TReply reply)
        {
            if (parser.IsMissing(reply))
            {
                // The meta names data that is gone (evicted, deleted by hand) before its expiry: not an answer that
                // counts (with a stale node it would outvote the acknowledged write, or "agree" with a node that never
                // had the key). It is repaired.
                reply = reply.NotCounted(new ReplicaDataMissingException(key, node.Name, reply.Version));
                owner.NoteNodeError(node, key, reply.ErrorKind, reply.Error);
            }

            if (reply.IsError)
            {
                owner.NoteNodeError(node, key, reply.ErrorKind, reply.Error);
            }
            else if (!reply.IsNotCounted && !node.CountsForReads(keys, out var reason))
            {
                reply = reply.NotCounted(reason!);
            }

            call.OnReply(node.Index, reply);
            if (owner.Replacement(call, reply) is { } next)
            {
                Send(next);
            }
        }
    }
}


/// <summary>Takes the writes a node missed (the hint recorder, Hints/HintRecorder.cs).</summary>
internal interface IMissedWriteSink
{
    /// <summary>
    /// A node missed a write of <paramref name="key"/>: recorded for it once <paramref name="decision"/> (the write's
    /// quorum decision) completes.
    /// </summary>
    void Record(ReplicaNode missed, string key, string typeName, Exception? error, Task decision);
}
