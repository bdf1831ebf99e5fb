using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// The repair of a value key: the newest intact state wins and is written, with its own version and times, to every
/// node that holds less (<see cref="RepairPlan"/>: read repair, anti-entropy and hint replay write through it), and a
/// tombstone every node holds past the grace period is purged once every node took part (<see cref="IKeyKindRepair"/>).
/// </summary>
internal sealed class ValueRepair : Replicator, IKeyKindRepair
{
    private readonly ValueScripts _scripts;

    public ValueRepair(ReplicationContext context, ValueScripts scripts)
        : base(context)
    {
        _scripts = scripts;
    }

    /// <summary>The write of <paramref name="winner"/> to the replicas that hold less.</summary>
    internal RepairPlan PlanFor(string key, string typeName, in ValueReadReply winner) => new(this, key, typeName, winner);

    /// <summary>
    /// Whether a replica must get the winner's state: it is older, absent, unversioned, damaged, or holds other bytes
    /// under the winner's version (a corrupt copy). Replicas whose answer did not count are never touched.
    /// </summary>
    internal static bool NeedsRepair(in ValueReadReply reply, in ValueReadReply winner) => reply.State switch
    {
        ValueState.Error => false,
        ValueState.Absent or ValueState.Unversioned => true,
        ValueState.Damaged => reply.Version <= winner.Version,
        _ when reply.Version < winner.Version => true,
        ValueState.Live when reply.Version == winner.Version && winner.State == ValueState.Live =>
            !reply.Payload.AsSpan().SequenceEqual(winner.Payload),
        _ => false,
    };

    /// <summary>
    /// Reads the key on <paramref name="nodes"/>, writes the newest intact state to every node that holds less (or the
    /// same version under another index entry), and purges a tombstone every node holds past the grace period when
    /// <paramref name="complete"/> (every configured node answered).
    /// </summary>
    public async Task RepairAsync(string key, string typeName, ReplicaNode[] nodes, RedisValue[]?[] metas, IndexEntry?[]? entries, bool complete, RepairScope state, CancellationToken cancellationToken, bool verifyData = false)
    {
        // Fast path: the probed meta names the newest copy; only that node is read in full (atomically), and the others
        // are judged by their meta. Two of three value_read calls are saved per key, most of a repair's server CPU.
        var versions = new ReplicatedVersion?[nodes.Length];
        var newest = -1;
        for (var i = 0; i < nodes.Length; i++)
        {
            if (metas[i] is not { } meta || meta[2].IsNull)
            {
                continue;
            }

            if (!ReplicatedVersion.TryParse(((string?)meta[2]).AsSpan(), out var version))
            {
                // A corrupt copy: the full read below reports it and leaves that node alone.
                newest = -1;
                break;
            }

            versions[i] = version;
            if (newest < 0 || version > versions[newest]!.Value)
            {
                newest = i;
            }
        }

        if (newest >= 0 && !verifyData && await FastAntiEntropyAsync(key, typeName, nodes, metas, versions, newest, entries, complete, state, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        await FullAntiEntropyAsync(key, typeName, nodes, entries, complete, state, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the newest copy on its node and writes it to the nodes whose meta shows less (or the same version under
    /// another index entry). Returns false, having changed nothing, when that copy is not intact: the caller then
    /// reads every node.
    /// </summary>
    private async Task<bool> FastAntiEntropyAsync(string key, string typeName, ReplicaNode[] nodes, RedisValue[]?[] metas, ReplicatedVersion?[] versions, int newest, IndexEntry?[]? entries, bool complete, RepairScope state, CancellationToken cancellationToken)
    {
        var keys = _scripts.WriteKeys(key);
        var replies = new ValueReadReply[nodes.Length];
        await ReadForRepairAsync(nodes[newest], key, [keys[0], keys[1]], typeName, NowMs, replies, newest, state).WaitAsync(cancellationToken).ConfigureAwait(false);
        var best = replies[newest];
        if (!best.IsCandidate || (best.State == ValueState.Live && !MessagePackShape.IsWellFormed(best.Payload)))
        {
            return false;
        }

        var expected = entries is null ? (long?)null : SlotEntry.ValueHash(key, best.Version);
        var held = new ReplicatedVersion?[nodes.Length];
        var stale = new bool[nodes.Length];
        for (var i = 0; i < nodes.Length; i++)
        {
            var version = i == newest ? best.Version : versions[i] ?? ReplicatedVersion.Zero;

            // No answer, or written after the probe (newer than what was read: the next pass compares it): left alone.
            if (metas[i] is null || version > best.Version)
            {
                continue;
            }

            var sameState = version == best.Version && (i == newest || metas[i]![3] == (best.State == ValueState.Tombstone ? "1" : "0"));
            var entryWrong = expected is { } h && (entries![i] is not { } entry || entry.Hash != h);
            held[i] = version;
            stale[i] = !sameState || entryWrong;
        }

        await CopyAndPurgeAsync(key, typeName, keys, nodes, best, held, stale, complete, state).ConfigureAwait(false);
        return true;
    }

    /// <summary>Reads every node in full and copies the newest intact state (the path for corrupt or damaged copies).</summary>
    private async Task FullAntiEntropyAsync(string key, string typeName, ReplicaNode[] nodes, IndexEntry?[]? entries, bool complete, RepairScope state, CancellationToken cancellationToken)
    {
        var keys = _scripts.WriteKeys(key);
        RedisKey[] readKeys = [keys[0], keys[1]];
        var nowMs = NowMs;
        var replies = new ValueReadReply[nodes.Length];
        var reads = new Task[nodes.Length];
        for (var i = 0; i < nodes.Length; i++)
        {
            reads[i] = ReadForRepairAsync(nodes[i], key, readKeys, typeName, nowMs, replies, i, state);
        }

        await Task.WhenAll(reads).WaitAsync(cancellationToken).ConfigureAwait(false);

        // The newest version anyone holds; a live copy must be well-formed MessagePack to be copied.
        var winner = -1;
        for (var i = 0; i < replies.Length; i++)
        {
            if (replies[i].IsCandidate && (winner < 0 || replies[i].Version > replies[winner].Version))
            {
                winner = i;
            }
        }

        if (winner < 0)
        {
            return;
        }

        var best = replies[winner];
        if (best.State == ValueState.Live)
        {
            winner = -1;
            for (var i = 0; i < replies.Length; i++)
            {
                if (replies[i].State == ValueState.Live && replies[i].Version == best.Version && MessagePackShape.IsWellFormed(replies[i].Payload))
                {
                    winner = i;
                    break;
                }
            }

            if (winner < 0)
            {
                state.Problem(new AntiEntropyProblem(AntiEntropyProblemKind.NoIntactCopy, key, null, $"no node holds an intact copy of version {best.Version} (its payload is not well-formed MessagePack); the key is left as it is"));
                return;
            }

            best = replies[winner];
        }

        var expected = entries is null ? (long?)null : SlotEntry.ValueHash(key, best.Version);
        var held = new ReplicatedVersion?[nodes.Length];
        var stale = new bool[nodes.Length];
        for (var i = 0; i < nodes.Length; i++)
        {
            var reply = replies[i];
            if (reply.State == ValueState.Error)
            {
                continue;
            }

            held[i] = reply.Version;
            stale[i] = NeedsRepair(reply, best)
                || (expected is { } h && reply.Version == best.Version && (entries![i] is not { } entry || entry.Hash != h));
        }

        await CopyAndPurgeAsync(key, typeName, keys, nodes, best, held, stale, complete, state).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes the winner to the stale nodes (conditionally; "replace equal" where a node holds its very version), and
    /// purges it when it is a tombstone past the grace period that every node holds, every node having answered.
    /// <paramref name="held"/> is the version each node holds (zero: none), or null for a node left alone.
    /// </summary>
    private async Task CopyAndPurgeAsync(string key, string typeName, RedisKey[] keys, ReplicaNode[] nodes, ValueReadReply best, ReplicatedVersion?[] held, bool[] stale, bool complete, RepairScope state)
    {
        var allHold = true;
        var writes = new List<Task<bool>>();
        var plan = PlanFor(key, typeName, best);
        for (var i = 0; i < nodes.Length; i++)
        {
            if (held[i] is null || stale[i])
            {
                allHold = false;
            }

            if (held[i] is null || !stale[i])
            {
                continue;
            }

            writes.Add(RepairOnNodeAsync(plan, nodes[i], held[i]!.Value, state));
        }

        if ((await Task.WhenAll(writes).ConfigureAwait(false)).Contains(true))
        {
            state.ValueRepaired();
        }

        if (complete && allHold && state.AllTookPart && best.State == ValueState.Tombstone && best.DeletedAt <= NowMs - GraceMs)
        {
            await PurgeTombstoneAsync(key, keys, nodes, best.Version, typeName, state).ConfigureAwait(false);
        }
    }

    private Task ReadForRepairAsync(ReplicaNode node, string key, RedisKey[] keys, string typeName, long nowMs, ValueReadReply[] replies, int index, RepairScope state) =>
        new RepairReadStep<ValueReadReply, ValueReadParser>(this, key, keys, [], new ValueReadParser(typeName, nowMs, _logger), replies, index, state).RunAsync(node);

    private async Task<bool> RepairOnNodeAsync(RepairPlan plan, ReplicaNode node, ReplicatedVersion held, RepairScope state)
    {
        var key = plan.Key;
        try
        {
            var reply = await plan.WriteAsync(node, held).ConfigureAwait(false);
            Log.AntiEntropyRepaired(_logger, "value", key, node.Name, reply.Kind.ToString());
            if (reply.Error is not null)
            {
                state.Problem(new AntiEntropyProblem(AntiEntropyProblemKind.Failed, key, node.Name, reply.Error.Message, reply.Error));
            }

            // Superseded: the node got a newer write meanwhile, which wins; nothing was overwritten.
            return reply.Kind == NodeOutcomeKind.Applied;
        }
        catch (Exception ex)
        {
            state.NodeFailed(node, key, ex);
            return false;
        }
    }

    private async Task PurgeTombstoneAsync(string key, RedisKey[] keys, ReplicaNode[] nodes, ReplicatedVersion version, string typeName, RepairScope state)
    {
        RedisValue[] args = [version.ToString(), typeName];
        var purged = await Task.WhenAll(Array.ConvertAll(nodes, async node =>
        {
            try
            {
                var result = (RedisResult[])(await node.EvaluateRetryingAsync(LuaScript.ValuePurge, keys, args).ConfigureAwait(false))!;
                return (long)result[0] == 0;
            }
            catch (Exception ex)
            {
                state.NodeFailed(node, key, ex);
                return false;
            }
        })).ConfigureAwait(false);

        // A node that kept its copy (a newer write arrived) is fine: the others' tombstone was older than that write.
        if (Array.IndexOf(purged, true) >= 0)
        {
            state.ValueTombstonePurged();
        }
    }

    /// <summary>Writes the winning state, with its original version, to stale replicas (conditionally: never over something newer).</summary>
    internal sealed class RepairPlan
    {
        private readonly string _key;
        private readonly string _typeName;
        private RedisKey[]? _keys;
        private RedisValue[]? _args;
        private RedisValue[]? _replaceEqualArgs;

        public RepairPlan(ValueRepair owner, string key, string typeName, ValueReadReply winner)
        {
            Owner = owner;
            _key = key;
            _typeName = typeName;
            Winner = winner;
        }

        public ValueRepair Owner { get; }

        public ValueReadReply Winner { get; }

        public string Key => _key;

        /// <summary>
        /// Writes the winner to one node that holds <paramref name="held"/> (zero: nothing), conditionally: never over
        /// something newer, and over the winner's own version only to replace a damaged or corrupt copy. Throws when the
        /// node cannot be asked.
        /// </summary>
        public async Task<ValueWriteReply> WriteAsync(ReplicaNode node, ReplicatedVersion held)
        {
            // A copy at the winner's own version is damaged or corrupt: it may only be replaced by the same version.
            var replaceEqual = held == Winner.Version;
            var args = replaceEqual ? _replaceEqualArgs ??= Arguments(true) : _args ??= Arguments(false);

            // Made on the first repair only: most reads repair nothing. (A race builds equal arrays twice.)
            var keys = _keys ??= Owner._scripts.WriteKeys(_key);
            var result = await node.EvaluateRetryingAsync(LuaScript.ValueWrite, keys, args).ConfigureAwait(false);
            return ValueReplyParser.ParseWrite(result, _key, node.Name, _typeName);
        }

        /// <summary>Read repair of one node: returns <see langword="null"/> when the node now holds the winner (or newer), else the failure.</summary>
        public async Task<Exception?> RunAsync(ReplicaNode node, ValueReadReply stale, string mode)
        {
            // The read's span, taken before the first await (a background repair may outlive it).
            var span = AnarchoRedisTracing.Current;
            try
            {
                var reply = await WriteAsync(node, stale.Version).ConfigureAwait(false);
                var outcome = reply.Kind switch
                {
                    NodeOutcomeKind.Applied => "applied",
                    NodeOutcomeKind.Superseded => "superseded",
                    _ => "failed",
                };
                Owner._metrics.ReadRepair(mode, outcome);
                AnarchoRedisTracing.RepairEvent(span, node.Name, AnarchoRedisTracing.ValueKind, mode, outcome, reply.Error);
                Log.ReadRepaired(Owner._logger, _key, node.Name, Winner.Version, mode, outcome);
                if (reply.Error is not null)
                {
                    Log.ReadRepairFailed(Owner._logger, _key, node.Name, reply.Error);
                }

                return reply.Kind is NodeOutcomeKind.Applied or NodeOutcomeKind.Superseded ? null : reply.Error ?? new AnarchoRedisException($"The read repair of key '{_key}' on node {node.Name} was not applied.", _key);
            }
            catch (Exception ex)
            {
                Owner._metrics.ReadRepair(mode, "failed");
                AnarchoRedisTracing.RepairEvent(span, node.Name, AnarchoRedisTracing.ValueKind, mode, "failed", ex);
                Log.ReadRepairFailed(Owner._logger, _key, node.Name, ex);
                return ex;
            }
        }

        private RedisValue[] Arguments(bool replaceEqual) => Owner._scripts.RepairArguments(_key, Winner, _typeName, replaceEqual);
    }
}
