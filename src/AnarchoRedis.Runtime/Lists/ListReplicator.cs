using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// The replication core for lists: pushes, removals by id and deletes fanned out to every node with a W quorum;
/// R-quorum reads. Every list script returns the node's (count, digest), so replicas that disagree are seen without an
/// extra round trip; then the full lists and tombstones are read, merged (<see cref="ListMerge"/>) and written back to
/// each node that differs, conditionally on the (count, digest) it had. Untyped: payloads are bytes.
/// </summary>
internal sealed partial class ListReplicator : Replicator, IKeyKindRepair
{
    private static readonly RedisValue Zero = "0";
    private static readonly RedisValue NoDropVersion = RedisValue.EmptyString;


    public ListReplicator(
        ReplicaSet nodes,
        KeySpace keys,
        HybridLogicalClock clock,
        AnarchoRedisOptions options,
        AnarchoRedisMetrics metrics,
        ILogger logger,
        TimeProvider time,
        SlotKeys? slots)
        : base(nodes, keys, clock, options, metrics, logger, time, slots)
    {
    }

    /// <summary>KEYS of list_read.lua: data, meta, element tombstones. Checks the key.</summary>
    private RedisKey[] Keys(string key) => [key, _keys.MetaKey(key), _keys.TombstoneKey(key)];

    /// <summary>
    /// KEYS of list_read.lua for a read whose answers may count toward R: <see cref="Keys"/> and the node's epoch key (a
    /// node that lost it since its last check answers "not counted").
    /// </summary>
    private RedisKey[] ReadKeys(string key) => [key, _keys.MetaKey(key), _keys.TombstoneKey(key), EpochKey];

    /// <summary>KEYS of the list write scripts: <see cref="Keys"/>, plus the slot index and digest when slot digests are on.</summary>
    internal RedisKey[] WriteKeys(string key)
    {
        if (_slots is null)
        {
            return Keys(key);
        }

        var (index, digest) = _slots.Of(key);
        return [key, _keys.MetaKey(key), _keys.TombstoneKey(key), index, digest];
    }

    /// <summary>Pushes elements at one side; each gets its own id (a new version), in order.</summary>
    public ValueTask<ListWriteResult> PushAsync(ReplicatedTypeDescriptor descriptor, string key, ListSide side, IReadOnlyList<byte[]> payloads, WriteOptions? options, CancellationToken cancellationToken)
    {
        var keys = WriteKeys(key);
        var required = RequiredForWrite(descriptor, options);
        var expiresAt = ExpiresAt(descriptor, options);

        var metaExpiresAt = MetaExpiresAt(expiresAt);
        var args = new RedisValue[5 + (2 * payloads.Count)];
        var version = ReplicatedVersion.Zero;
        for (var i = 0; i < payloads.Count; i++)
        {
            version = _clock.Next();
            args[5 + (2 * i)] = ListEnvelope.Encode(version, side, payloads[i]);
            args[6 + (2 * i)] = ListDigest.Format(ListDigest.ElementHash(version));
        }

        args[0] = descriptor.Name;
        args[1] = version.ToString();
        args[2] = expiresAt == 0 ? Zero : expiresAt;
        args[3] = metaExpiresAt == 0 ? Zero : metaExpiresAt;

        // Due: a list whose meta key expires needs a visit then (its slot entry outlives it).
        args[4] = metaExpiresAt == 0 ? Zero : metaExpiresAt;
        return ExecuteWriteAsync(side == ListSide.Left ? "lpush" : "rpush", key, descriptor.Name, LuaScript.ListPush, keys, args, version, required, cancellationToken);
    }

    /// <summary>Removes elements by id (tombstoning every id on every node).</summary>
    public ValueTask<ListWriteResult> RemoveIdsAsync(string operation, ReplicatedTypeDescriptor descriptor, string key, IReadOnlyCollection<ReplicatedVersion> ids, int required, CancellationToken cancellationToken)
    {
        var keys = WriteKeys(key);
        var version = _clock.Next();
        var now = NowMs;
        var args = new RedisValue[5 + (2 * ids.Count)];
        args[0] = descriptor.Name;
        args[1] = version.ToString();
        args[2] = now;
        args[3] = Zero;

        // Due: the new tombstones may be purged once their grace period has passed.
        args[4] = now + GraceMs;
        var i = 5;
        foreach (var id in ids)
        {
            args[i++] = id.ToString();
            args[i++] = ListDigest.Format(ListDigest.ElementHash(id));
        }

        return ExecuteWriteAsync(operation, key, descriptor.Name, LuaScript.ListRemove, keys, args, version, required, cancellationToken);
    }

    /// <summary>Deletes the list: every element with an id up to the delete's version is dead everywhere.</summary>
    public async ValueTask<WriteResult> DeleteAsync(ReplicatedTypeDescriptor descriptor, string key, WriteOptions? options, CancellationToken cancellationToken)
    {
        var keys = WriteKeys(key);
        var required = RequiredForWrite(descriptor, options);
        var version = _clock.Next();
        // Due: when the emptied list may be dropped, from the delete's own version (as anti-entropy computes it from the
        // merged state), so every node's entry is the same whoever wrote it.
        RedisValue[] args = [descriptor.Name, version.ToString(), version.Timestamp.ToUnixTimeMilliseconds() + GraceMs + 1];
        var result = await ExecuteWriteAsync("ldelete", key, descriptor.Name, LuaScript.ListDelete, keys, args, version, required, cancellationToken).ConfigureAwait(false);
        return new WriteResult(version, result.Acknowledged, required);
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
        var keys = WriteKeys(key);
        var args = new RedisValue[4 + ids.Count];
        args[0] = typeName;
        args[1] = cutoffMs;
        args[2] = due == 0 ? Zero : due;
        args[3] = dropVersion is { } drop ? drop.ToString() : NoDropVersion;
        for (var i = 0; i < ids.Count; i++)
        {
            args[4 + i] = ids[i].ToString();
        }

        var items = (RedisResult[])(await node.EvaluateOrReloadAsync(LuaScript.ListPurge, keys, args).ConfigureAwait(false))!;
        var code = (long)items[0];
        if (code != 0)
        {
            throw ListReplyParser.ScriptError(code, items, key, node.Name, typeName);
        }

        return ((long)items[1], (long)items[2] == 1);
    }

    private async ValueTask<ListWriteResult> ExecuteWriteAsync(
        string operation,
        string key,
        string typeName,
        LuaScript script,
        RedisKey[] keys,
        RedisValue[] args,
        ReplicatedVersion version,
        int required,
        CancellationToken cancellationToken)
    {
        // Counted while in flight, so that the post-write check of an overlapping write on the same key can tell a
        // transient difference from a divergence (OtherWritesInFlight).
        EnterWrite(key);
        try
        {
            var started = Stopwatch.GetTimestamp();
            var call = new QuorumCall<ListWriteReply>(_nodes.Count, required);
            foreach (var node in _nodes.Nodes)
            {
                _ = NodeCall.RunAsync<ListWriteReply, WriteStep>(node, new WriteStep(this, call, script, key, keys, args, version, typeName));
            }

            await call.Decision.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!call.Reached)
            {
                var (failed, failedArrived) = await call.SettleAsync(_options.NodeTimeout * 2, cancellationToken).ConfigureAwait(false);
                _metrics.Operation(operation, "quorum_failed", started);
                throw QuorumFailure(operation, key, required, failed, failedArrived, static r => new NodeOutcome(string.Empty, r.Kind, r.Counts ? r.Stored : null, r.Error));
            }

            var (replies, arrived) = call.TakeSnapshot();
            var acknowledged = 0;
            var agreed = -1;
            var diverged = false;
            for (var i = 0; i < replies.Length; i++)
            {
                if (!arrived[i] || !replies[i].Counts)
                {
                    continue;
                }

                acknowledged++;
                if (agreed < 0)
                {
                    agreed = i;
                }
                else if (replies[i].Count != replies[agreed].Count || replies[i].Digest != replies[agreed].Digest)
                {
                    diverged = true;
                }
            }

            long length;
            long expectedCount;
            ulong expectedDigest;
            if (diverged && OtherWritesInFlight(key))
            {
                // Other writes of this client on this key are still landing, in another interleaving on each node: the
                // replies may differ for that alone. Merging the full lists now would cost O(length) per push while pushes
                // overlap; the check runs once the key's writes have settled instead (ExitWrite).
                _checksAfterBurst[key] = typeName;
                diverged = false;
            }

            if (diverged)
            {
                // The post-write check: the acknowledging nodes hold different lists. Merge them all and repair before returning.
                Log.ListDiverged(_logger, key, operation);
                try
                {
                    // One answer suffices (the write already has its W; the merge waits a moment for the others): the
                    // merge may not need R countable answers, or a node that restarted (filling) would never be repaired.
                    var merged = await SyncAsync(key, typeName, 1, "blocking", cancellationToken).ConfigureAwait(false);
                    length = merged.Count;
                    expectedCount = merged.Count;
                    expectedDigest = merged.Digest;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The write itself was acknowledged by W nodes: report it, and leave the repair to the next operation
                    // or anti-entropy rather than fail a write that happened (whatever went wrong in the repair: a caller
                    // must never take an acknowledged write for a failed one).
                    _metrics.ListRepair("blocking", "failed");
                    Log.ListRepairFailed(_logger, key, "*", ex);
                    length = replies[agreed].Count;
                    expectedCount = length;
                    expectedDigest = replies[agreed].Digest;
                }
            }
            else
            {
                length = replies[agreed].Count;
                expectedCount = length;
                expectedDigest = replies[agreed].Digest;
            }

            // A late reply that disagrees with what the quorum said starts a background merge and repair.
            call.HandleLate(
                static (index, reply, state) =>
                {
                    var (owner, key, typeName, count, digest) = ((ListReplicator, string, string, long, ulong))state!;
                    if (reply.Counts && (reply.Count != count || reply.Digest != digest))
                    {
                        if (owner.OtherWritesInFlight(key, self: 0))
                        {
                            owner._checksAfterBurst[key] = typeName;
                        }
                        else
                        {
                            owner.SyncInBackground(key, typeName);
                        }
                    }
                },
                (this, key, typeName, expectedCount, expectedDigest));

            _metrics.Operation(operation, "ok", started);
            return new ListWriteResult(version, length, acknowledged, required);
        }
        finally
        {
            ExitWrite(key);
        }
    }

    /// <summary>
    /// A list write's part on one node: a push buried under a delete watermark beyond the skew bound does not count, and
    /// a node that does not acknowledge gets a hint.
    /// </summary>
    private readonly struct WriteStep(ListReplicator owner, QuorumCall<ListWriteReply> call, LuaScript script, string key, RedisKey[] keys, RedisValue[] args, ReplicatedVersion version, string typeName) : INodeStep<ListWriteReply>
    {
        public LuaScript Script => script;

        public RedisKey[] Keys => keys;

        public RedisValue[] Args => args;

        public ListWriteReply Parse(ReplicaNode node, RedisResult result)
        {
            var reply = ListReplyParser.ParseWrite(result, key, node.Name, typeName);
            if (reply.Counts && !reply.Stored.IsZero && !owner.Observe(reply.Stored, key) && reply.Buried > 0 && reply.Stored > version)
            {
                // The node's list is at a version beyond the skew bound (a delete from a clock far ahead) and elements
                // of this push fell under its watermark: they can never be seen, so the node does not acknowledge
                // the push, as for values (never a write reported done that cannot become visible). Anything else a
                // write does there (tombstones, elements above the watermark) takes effect and is acknowledged. (A
                // watermark beyond the skew bound is above every id of a push made now: it buries all of them or none.)
                reply = ListWriteReply.Failed(NodeOutcomeKind.Failed, owner.AheadOfClock(key, node, reply.Stored));
            }

            return reply;
        }

        public ListWriteReply Failed(ReplicaNode node, NodeOutcomeKind kind, Exception error) => ListWriteReply.Failed(kind, error);

        public void Complete(ReplicaNode node, ListWriteReply reply)
        {
            if (!reply.Counts)
            {
                owner.NoteNodeError(node, key, reply.Kind, reply.Error);
                owner.OnMissedWrite(node, key, version, typeName, reply.Kind, reply.Error, call.Decision);
            }

            call.OnReply(node.Index, reply);
        }
    }
}
