using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>Anti-entropy for one list key: merge every node's full list and tombstones, replace what differs, purge old tombstones.</summary>
internal sealed partial class ListReplicator
{
    /// <summary>
    /// Reads the full list on <paramref name="nodes"/>, merges, and replaces every node whose state differs from the
    /// merge (conditionally on the count and digest it read). When every node already agrees and
    /// <paramref name="complete"/>, drops element tombstones older than the grace period (and the meta of a list left
    /// empty with nothing to remember).
    /// </summary>
    public async Task RepairAsync(string key, string typeName, ReplicaNode[] nodes, RedisValue[]?[] metas, IndexEntry?[]? entries, bool complete, RepairScope state, CancellationToken cancellationToken)
    {
        var keys = Keys(key);
        var writeKeys = WriteKeys(key);
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
        for (var i = 0; i < nodes.Length; i++)
        {
            if (!replies[i].Ok)
            {
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
        NodeCall.RunAsync<ListReadReply, RepairReadStep>(node, new RepairReadStep(this, key, keys, args, typeName, replies, index, state), skipOpenCircuit: false);

    /// <summary>A pass's full read of a list on one node: the reply goes to its slot, a node that cannot answer to the pass's report.</summary>
    private readonly struct RepairReadStep(ListReplicator owner, string key, RedisKey[] keys, RedisValue[] args, string typeName, ListReadReply[] replies, int index, RepairScope state) : INodeStep<ListReadReply>
    {
        public LuaScript Script => LuaScript.ListRead;

        public RedisKey[] Keys => keys;

        public RedisValue[] Args => args;

        public ListReadReply Parse(ReplicaNode node, RedisResult result)
        {
            var reply = ListReplyParser.ParseRead(result, key, node.Name, typeName);
            if (!reply.Ok)
            {
                state.Unreadable(node, key, reply.Error);
            }
            else if (!reply.Version.IsZero)
            {
                owner.Observe(reply.Version, key);
            }

            return reply;
        }

        public ListReadReply Failed(ReplicaNode node, NodeOutcomeKind kind, Exception error)
        {
            state.NodeFailed(node, key, error);
            return ListReadReply.Failed(kind, error);
        }

        public void Complete(ReplicaNode node, ListReadReply reply) => replies[index] = reply;
    }

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

            if (reply.Kind == NodeOutcomeKind.Superseded)
            {
                // The node changed since it was read, so the merge was not written: it is not healed. A problem of the
                // pass (no clean pass, so no refilled node set ready; a hint replay keeps its hint), merged again next time.
                state.Problem(new AntiEntropyProblem(AntiEntropyProblemKind.Failed, key, node.Name, "the list changed on the node while it was being repaired (the conditional replace was superseded); it is compared again next time"));
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
}
