using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// The repair of a list key across nodes, for anti-entropy passes and hint replays (<see cref="IKeyKindRepair"/>): merge
/// every node's full list and tombstones, replace what differs (<see cref="ReplacePlan"/>, which read repair uses too),
/// and purge old tombstones and emptied lists once every node agrees and took part.
/// </summary>
internal sealed class ListRepair : Replicator, IKeyKindRepair
{
    private static readonly RedisValue Zero = "0";
    private static readonly RedisValue NoDropVersion = RedisValue.EmptyString;

    private readonly ListKeys _listKeys;

    public ListRepair(ReplicationContext context, ListKeys keys)
        : base(context)
    {
        _listKeys = keys;
    }

    /// <summary>The replace of <paramref name="basis"/> on the nodes that differ from it.</summary>
    internal ReplacePlan PlanFor(string key, string typeName, ListMergedReplicas basis) => new(this, key, _listKeys.WriteKeys(key), typeName, basis);

    /// <summary>
    /// Reads the full list on <paramref name="nodes"/>, merges, and replaces every node whose state differs from the
    /// merge (conditionally on the count and digest it read). When every node already agrees and
    /// <paramref name="complete"/>, drops element tombstones older than the grace period (and the meta of a list left
    /// empty with nothing to remember).
    /// </summary>
    public async Task RepairAsync(string key, string typeName, ReplicaNode[] nodes, RedisValue[]?[] metas, IndexEntry?[]? entries, bool complete, RepairScope state, CancellationToken cancellationToken, bool verifyData = false)
    {
        var keys = _listKeys.Keys(key);
        var writeKeys = _listKeys.WriteKeys(key);
        RedisValue[] args = [typeName, "full"];
        var replies = new ListReadReply[nodes.Length];
        await Task.WhenAll(nodes.Select((node, i) => ReadFullForRepairAsync(node, key, keys, args, typeName, replies, i, state))).WaitAsync(cancellationToken).ConfigureAwait(false);

        var answered = replies.Where(r => r.Ok).ToArray();
        if (answered.Length == 0)
        {
            return;
        }

        var basis = ListMergedReplicas.Of(answered, ExpiryJudgedAtMs);
        var merged = basis.Merged;
        var version = basis.Version;
        var expiresAt = basis.ExpiresAt;

        // Only nodes whose state differs are rewritten (their entry follows from the state). Entries that differ while
        // every state agrees (written with digests off, say) are rewritten from the state on every node.
        var states = new bool[nodes.Length];
        var anyDiffers = false;
        for (var i = 0; i < nodes.Length; i++)
        {
            states[i] = replies[i].Ok && basis.IsHeldBy(replies[i]);
            anyDiffers |= replies[i].Ok && !states[i];
        }

        var entriesDiffer = !anyDiffers && entries is not null && entries.Select(e => e?.Hash).Distinct().Count() > 1;
        var plan = new ReplacePlan(this, key, writeKeys, typeName, basis);
        var writes = new List<Task<bool>>();
        var allAgree = answered.Length == replies.Length;
        var ofEveryNode = complete && allAgree;
        for (var i = 0; i < nodes.Length; i++)
        {
            if (!replies[i].Ok)
            {
                continue;
            }

            if ((entriesDiffer || !states[i]) && !ListMergedReplicas.MayRewrite(replies[i], ofEveryNode))
            {
                // Lost tombstones come back only from a merge of every node: left for a pass that reaches them all.
                allAgree = false;
                state.Problem(new AntiEntropyProblem(AntiEntropyProblemKind.Failed, key, nodes[i].Name, "the node lost list tombstones (evicted?) and not every node answered: it is repaired by a pass that reaches every node"));
                continue;
            }

            if (entriesDiffer || !states[i])
            {
                allAgree = false;
                writes.Add(ReplaceOnNodeAsync(plan, nodes[i], replies[i], key, state));
            }
        }

        var grace = (long)_options.TombstoneGracePeriod.TotalMilliseconds;
        if (writes.Count > 0)
        {
            var results = await Task.WhenAll(writes).ConfigureAwait(false);
            if (results.Contains(true))
            {
                state.ListRepaired();
            }

            // Purges wait for a pass that finds the nodes agreeing. But the slot entries' due times are set now, on every
            // node, to the one the merged state implies: a write only ever lowers a due time, so a node that saw the
            // original writes and a node just refilled would otherwise keep different entries for the same state.
            if (results.All(applied => applied) && answered.Length == replies.Length)
            {
                var exact = Due(merged, [], expiresAt, grace, version, drop: false);
                await Task.WhenAll(nodes.Select(node => PurgeForRepairAsync(node, key, typeName, 0, exact, null, [], state))).ConfigureAwait(false);
            }

            return;
        }

        if (!complete || !allAgree || !state.AllTookPart)
        {
            return;
        }

        var nowMs = NowMs;
        var cutoff = nowMs - grace;
        var old = merged.Tombstones.Where(t => t.Value < cutoff).Select(t => t.Key).ToArray();
        var remaining = merged.Tombstones.Count - old.Length;
        var drop = merged.Count == 0 && remaining == 0 && version.Timestamp.ToUnixTimeMilliseconds() < cutoff;
        var due = Due(merged, old, expiresAt, grace, version, drop);
        // An entry whose due time is not the one the state implies (lowered by a write whose reason is gone, say) is set
        // exactly, on every node, so that equal states have equal entries.
        var dueIsStale = entries is not null && entries.Any(e => e is { } entry && entry.Due != due);
        if (old.Length == 0 && !drop && !dueIsStale)
        {
            return;
        }

        var outcomes = await Task.WhenAll(nodes.Select(node => PurgeForRepairAsync(node, key, typeName, cutoff, due, drop ? version : null, old, state))).ConfigureAwait(false);
        if (old.Length > 0 && outcomes.Any(o => o.Purged > 0))
        {
            state.ListTombstonesPurgedBy(old.Length);
        }

        if (drop && outcomes.Any(o => o.Dropped))
        {
            state.EmptyListDropped();
        }
    }

    /// <summary>When the key needs the next maintenance visit: its oldest remaining tombstone past grace, its meta expiry, or the drop of an empty list.</summary>
    private long Due(ListReplicaState merged, ReplicatedVersion[] purged, long expiresAt, long grace, ReplicatedVersion version, bool drop)
    {
        if (drop)
        {
            return 0;
        }

        var due = 0L;
        void Lower(long candidate)
        {
            if (candidate != 0 && (due == 0 || candidate < due))
            {
                due = candidate;
            }
        }

        foreach (var (id, removedAt) in merged.Tombstones)
        {
            if (Array.IndexOf(purged, id) < 0)
            {
                Lower(removedAt + grace);
            }
        }

        Lower(MetaExpiresAt(expiresAt));
        if (merged.Count == 0)
        {
            Lower(version.Timestamp.ToUnixTimeMilliseconds() + grace + 1);
        }

        return due;
    }

    private Task ReadFullForRepairAsync(ReplicaNode node, string key, RedisKey[] keys, RedisValue[] args, string typeName, ListReadReply[] replies, int index, RepairScope state) =>
        new RepairReadStep<ListReadReply, ListReadParser>(this, key, keys, args, new ListReadParser(typeName, NowMs), replies, index, state).RunAsync(node);

    private async Task<bool> ReplaceOnNodeAsync(ReplacePlan plan, ReplicaNode node, ListReadReply seen, string key, RepairScope state)
    {
        try
        {
            var reply = await plan.ApplyAsync(node, seen).ConfigureAwait(false);
            Log.AntiEntropyRepaired(_logger, "list", key, node.Name, reply.Kind.ToString());
            if (reply.Error is not null)
            {
                state.Problem(new AntiEntropyProblem(AntiEntropyProblemKind.Failed, key, node.Name, reply.Error.Message, reply.Error));
            }

            return reply.Kind == NodeOutcomeKind.Applied;
        }
        catch (Exception ex)
        {
            state.NodeFailed(node, key, ex);
            return false;
        }
    }

    private async Task<(long Purged, bool Dropped)> PurgeForRepairAsync(ReplicaNode node, string key, string typeName, long cutoff, long due, ReplicatedVersion? dropVersion, ReplicatedVersion[] ids, RepairScope state)
    {
        try
        {
            return await PurgeOnNodeAsync(node, key, typeName, cutoff, due, dropVersion, ids).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            state.NodeFailed(node, key, ex);
            return (0, false);
        }
    }

    /// <summary>
    /// Runs list_purge.lua on one node (for anti-entropy): drops those of <paramref name="ids"/> whose element tombstone
    /// on the node was recorded before <paramref name="cutoffMs"/>, sets the key's slot entry due time to
    /// <paramref name="due"/> (0 for none), and, with a <paramref name="dropVersion"/>, deletes the meta, tombstones and
    /// slot entry of a list left empty, without tombstones, at exactly that version.
    /// </summary>
    /// <returns>How many tombstones the node dropped, and whether it dropped the whole list.</returns>
    /// <exception cref="AnarchoRedisException">The node holds something the script refuses (a <see cref="NodeDataException"/>: wrong types, another type's key, corrupt meta).</exception>
    internal async Task<(long Purged, bool Dropped)> PurgeOnNodeAsync(ReplicaNode node, string key, string typeName, long cutoffMs, long due, ReplicatedVersion? dropVersion, IReadOnlyList<ReplicatedVersion> ids)
    {
        var keys = _listKeys.WriteKeys(key);
        var args = new RedisValue[4 + ids.Count];
        args[0] = typeName;
        args[1] = cutoffMs;
        args[2] = due == 0 ? Zero : due;
        args[3] = dropVersion is { } drop ? drop.ToString() : NoDropVersion;
        for (var i = 0; i < ids.Count; i++)
        {
            args[4 + i] = ids[i].ToString();
        }

        var items = (RedisResult[])(await node.EvaluateRetryingAsync(LuaScript.ListPurge, keys, args).ConfigureAwait(false))!;
        var code = (long)items[0];
        if (code != 0)
        {
            throw ListReplyParser.ScriptError(code, items, key, node.Name, typeName);
        }

        return ((long)items[1], (long)items[2] == 1);
    }

    /// <summary>
    /// Writes one merge (<see cref="ListMergedReplicas"/>) to diverged nodes with list_replace.lua. The watermarks it
    /// writes (highest left/right id ever inserted) are the highest of the merged elements and of every reply's, so that
    /// every node it repairs ends with the same meta (and the same slot entry).
    /// </summary>
    internal sealed class ReplacePlan
    {
        private readonly string _key;
        private readonly RedisKey[] _keys;
        private readonly string _typeName;
        private readonly ListMergedReplicas _basis;
        private RedisValue[]? _tail;

        public ReplacePlan(ListRepair owner, string key, RedisKey[] keys, string typeName, ListMergedReplicas basis)
        {
            Owner = owner;
            _key = key;
            _keys = keys;
            _typeName = typeName;
            _basis = basis;
        }

        public ListRepair Owner { get; }

        public ListReplicaState Merged => _basis.Merged;

        /// <summary>Whether a node's elements differ from this merge (<see cref="ListMergedReplicas.ElementsDifferFrom"/>).</summary>
        public bool ElementsDifferFrom(in ListReadReply reply) => _basis.ElementsDifferFrom(reply);

        public ReplacePlan Widen(ListReadReply late) => new(Owner, _key, _keys, _typeName, _basis.With(late, Owner.ExpiryJudgedAtMs));

        /// <summary>Writes the merge to one node (conditionally on what it was seen holding) and returns its reply; throws on failure.</summary>
        public async Task<ListWriteReply> ApplyAsync(ReplicaNode node, ListReadReply seen)
        {
            var result = await node.EvaluateRetryingAsync(LuaScript.ListReplace, _keys, Arguments(seen)).ConfigureAwait(false);
            return ListReplyParser.ParseWrite(result, _key, node.Name, _typeName);
        }

        /// <summary>Read repair of one node: the outcome is counted and logged, never thrown.</summary>
        public async Task RunAsync(ReplicaNode node, ListReadReply seen, string mode)
        {
            // The span of the operation that merged, taken before the first await (a background repair may outlive it).
            var span = AnarchoRedisTracing.Current;
            try
            {
                var reply = await ApplyAsync(node, seen).ConfigureAwait(false);
                var outcome = reply.Kind switch
                {
                    NodeOutcomeKind.Applied => "applied",
                    NodeOutcomeKind.Superseded => "changed",
                    _ => "failed",
                };
                Owner._metrics.ListRepair(mode, outcome);
                AnarchoRedisTracing.RepairEvent(span, node.Name, AnarchoRedisTracing.ListKind, mode, outcome, reply.Error);
                Log.ListRepaired(Owner._logger, _key, node.Name, mode, outcome, Merged.Count);
                if (reply.Error is not null)
                {
                    Log.ListRepairFailed(Owner._logger, _key, node.Name, reply.Error);
                }
            }
            catch (Exception ex)
            {
                Owner._metrics.ListRepair(mode, "failed");
                AnarchoRedisTracing.RepairEvent(span, node.Name, AnarchoRedisTracing.ListKind, mode, "failed", ex);
                Log.ListRepairFailed(Owner._logger, _key, node.Name, ex);
            }
        }

        private RedisValue[] Arguments(ListReadReply seen)
        {
            var tail = _tail ??= Tail();
            var args = new RedisValue[3 + tail.Length];
            args[0] = _typeName;
            args[1] = seen.Count;
            args[2] = ListDigest.Format(seen.Digest);
            tail.CopyTo(args, 3);
            return args;
        }

        /// <summary>ARGV[4..] of list_replace.lua: the same for every node.</summary>
        private RedisValue[] Tail()
        {
            var elements = Merged.Elements;
            var tombstones = Merged.Tombstones;
            var tail = new RedisValue[11 + elements.Count + (2 * tombstones.Count)];
            var maxLeft = _basis.MaxLeft;
            var maxRight = _basis.MaxRight;
            foreach (var element in elements)
            {
                if (element.Side == ListSide.Left && element.Id > maxLeft)
                {
                    maxLeft = element.Id;
                }
                else if (element.Side == ListSide.Right && element.Id > maxRight)
                {
                    maxRight = element.Id;
                }
            }

            // Due: the earliest merged tombstone may be purged when its grace period ends; an expiring list's meta
            // key expires.
            var earliestRemoval = 0L;
            foreach (var at in tombstones.Values)
            {
                earliestRemoval = earliestRemoval == 0 ? at : Math.Min(earliestRemoval, at);
            }

            var metaExpiresAt = Owner.MetaExpiresAt(_basis.ExpiresAt);
            var due = EarliestDue(tombstones.Count == 0 ? 0 : earliestRemoval + Owner.GraceMs, metaExpiresAt);
            tail[0] = _basis.Version.ToString();
            tail[1] = ListReplyParser.Watermark(Merged.DeletedUpTo);
            tail[2] = _basis.ExpiresAt;
            tail[3] = metaExpiresAt;
            tail[4] = Merged.Count;
            tail[5] = ListDigest.Format(Merged.Digest);
            tail[6] = ListReplyParser.Watermark(maxLeft);
            tail[7] = ListReplyParser.Watermark(maxRight);
            tail[8] = due;
            tail[9] = ListReplyParser.Watermark(_basis.ExpiryVersion);
            tail[10] = elements.Count;
            var i = 11;
            foreach (var element in elements)
            {
                tail[i++] = element.ToEnvelope();
            }

            foreach (var (id, at) in tombstones)
            {
                tail[i++] = id.ToString();
                tail[i++] = at;
            }

            return tail;
        }
    }
}
