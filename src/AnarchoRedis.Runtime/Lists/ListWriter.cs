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
/// List writes: pushes, removals by id and deletes fanned out to every node with a W quorum. Every list script returns
/// the node's (count, digest), so replicas that disagree after a write are seen without an extra round trip: the
/// post-write check then merges and repairs them (<see cref="ListReader"/>), at once or, while this client's writes on
/// the key overlap, once they have settled (<see cref="ListWriteBursts"/>). Untyped: payloads are bytes.
/// </summary>
internal sealed class ListWriter : Replicator
{
    private static readonly RedisValue Zero = "0";

    private readonly ListKeys _listKeys;
    private readonly ListReader _reader;
    private readonly ListWriteBursts _bursts;

    public ListWriter(ReplicationContext context, ListKeys keys, ListReader reader)
        : base(context)
    {
        _listKeys = keys;
        _reader = reader;
        _bursts = new ListWriteBursts();
    }

    /// <summary>
    /// Pushes elements at one side; each gets its own id (a new version), in order. With a <paramref name="maxLength"/>
    /// (a capped list), each node keeps its newest <paramref name="maxLength"/> elements in the same script (list_push.lua).
    /// </summary>
    public ValueTask<ListWriteResult> PushAsync(ReplicatedTypeDescriptor descriptor, string key, ListSide side, IReadOnlyList<byte[]> payloads, WriteOptions? options, CancellationToken cancellationToken, int maxLength = 0)
    {
        var keys = _listKeys.WriteKeys(key);
        var required = RequiredForWrite(descriptor, options);
        var expiresAt = ExpiresAt(descriptor, options);

        var metaExpiresAt = MetaExpiresAt(expiresAt);
        var args = new RedisValue[6 + (2 * payloads.Count)];
        var version = ReplicatedVersion.Zero;
        for (var i = 0; i < payloads.Count; i++)
        {
            version = _clock.Next();
            args[6 + (2 * i)] = ListEnvelope.Encode(version, side, payloads[i]);
            args[7 + (2 * i)] = ListDigest.Format(ListDigest.ElementHash(version));
        }

        args[5] = maxLength;

        args[0] = descriptor.Name;
        args[1] = version.ToString();
        args[2] = expiresAt == 0 ? Zero : expiresAt;
        args[3] = metaExpiresAt == 0 ? Zero : metaExpiresAt;

        // Due: a list whose meta key expires needs a visit then (its slot entry outlives it).
        args[4] = metaExpiresAt == 0 ? Zero : metaExpiresAt;
        return ExecuteWriteAsync(side == ListSide.Left ? "lpush" : "rpush", key, descriptor.Name, LuaScript.ListPush, keys, args, version, required, cancellationToken, maxLength);
    }

    /// <summary>
    /// Raises the list's floor (its watermark dv) to <paramref name="floor"/>: every element with an id at or below it is
    /// dead on every node, with no tombstone (list_delete.lua with the floor as D and the write's own version). A merge
    /// left empty (<c>emptied</c>) makes the key's slot entry due when the emptied list may be dropped, as a delete does.
    /// </summary>
    public ValueTask<ListWriteResult> RaiseFloorAsync(string typeName, string key, ReplicatedVersion floor, bool emptied, int required, CancellationToken cancellationToken)
    {
        var keys = _listKeys.WriteKeys(key);
        var version = _clock.Next();
        RedisValue due = emptied ? version.Timestamp.ToUnixTimeMilliseconds() + GraceMs + 1 : Zero;
        RedisValue[] args = [typeName, floor.ToString(), due, version.ToString()];
        return ExecuteWriteAsync("ltrimnewest", key, typeName, LuaScript.ListDelete, keys, args, version, required, cancellationToken);
    }

    /// <summary>Removes elements by id (tombstoning every id on every node).</summary>
    public ValueTask<ListWriteResult> RemoveIdsAsync(string operation, ReplicatedTypeDescriptor descriptor, string key, IReadOnlyCollection<ReplicatedVersion> ids, int required, CancellationToken cancellationToken)
    {
        var keys = _listKeys.WriteKeys(key);
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
        var keys = _listKeys.WriteKeys(key);
        var required = RequiredForWrite(descriptor, options);
        var version = _clock.Next();
        // Due: when the emptied list may be dropped, from the delete's own version (as anti-entropy computes it from the
        // merged state), so every node's entry is the same whoever wrote it.
        RedisValue[] args = [descriptor.Name, version.ToString(), version.Timestamp.ToUnixTimeMilliseconds() + GraceMs + 1];
        var result = await ExecuteWriteAsync("ldelete", key, descriptor.Name, LuaScript.ListDelete, keys, args, version, required, cancellationToken).ConfigureAwait(false);
        return new WriteResult(version, result.Acknowledged, required);
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
        CancellationToken cancellationToken,
        int maxLength = 0)
    {
        var started = Stopwatch.GetTimestamp();
        using var span = StartSpan(operation, typeName, AnarchoRedisTracing.ListKind, required);
        var call = new QuorumCall<ListWriteReply>(_nodes.Count, required);
        if (span is not null)
        {
            call.Trace(span, _nodes.Nodes, static r => (AnarchoRedisTracing.OutcomeName(r.Kind), r.Error));
        }

        // Counted while in flight, so that the post-write check of an overlapping write on the same key can tell a
        // transient difference from a divergence (OtherWritesInFlight).
        _bursts.Enter(key);
        try
        {
            foreach (var node in _nodes.Nodes)
            {
                _ = NodeCall.RunAsync<ListWriteReply, WriteStep>(node, new WriteStep(this, call, script, key, keys, args, version, typeName));
            }

            await call.Decision.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!call.Reached)
            {
                var (failed, failedArrived) = await call.SettleAsync(_options.NodeTimeout * 2, cancellationToken).ConfigureAwait(false);
                Completed(operation, "quorum_failed", started, span);
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
            if (diverged && _bursts.OthersInFlight(key))
            {
                // Other writes of this client on this key are still landing, in another interleaving on each node: the
                // replies may differ for that alone. Merging the full lists now would cost O(length) per push while pushes
                // overlap; the check runs once the key's writes have settled instead (ListWriteBursts.Exit).
                _bursts.Defer(key, typeName);
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
                    var merged = await _reader.SyncAsync(key, typeName, 1, "blocking", cancellationToken).ConfigureAwait(false);
                    length = merged.Count;
                    expectedCount = merged.Count;
                    expectedDigest = merged.Digest;
                    if (maxLength > 0 && ListMerge.FloorKeepingNewest(merged.Elements, maxLength) is { } floor)
                    {
                        // A capped list whose nodes each kept their own newest elements (pushes that crossed): the merge
                        // holds more than the cap. The floor computed from the merge keeps its newest, on every node.
                        var trimmed = await RaiseFloorAsync(typeName, key, floor, emptied: false, required, cancellationToken).ConfigureAwait(false);
                        length = trimmed.Length;
                        expectedCount = trimmed.Length;
                        expectedDigest = ListDigest.Of(merged.Elements.Where(e => e.Id > floor).Select(e => e.Id));
                    }
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
                    var (owner, key, typeName, count, digest) = ((ListWriter, string, string, long, ulong))state!;
                    if (reply.Counts && (reply.Count != count || reply.Digest != digest))
                    {
                        if (owner._bursts.OthersInFlight(key, self: 0))
                        {
                            owner._bursts.Defer(key, typeName);
                        }
                        else
                        {
                            owner._reader.SyncInBackground(key, typeName);
                        }
                    }
                },
                (this, key, typeName, expectedCount, expectedDigest));

            Completed(operation, "ok", started, span);
            span?.SetTag("anarchoredis.quorum.counted", acknowledged);
            return new ListWriteResult(version, length, acknowledged, required);
        }
        catch (Exception ex) when (AnarchoRedisTracing.Failed(span, ex))
        {
            throw; // Never reached: the filter records the failure on the span and declines.
        }
        finally
        {
            call.EndTrace();
            if (_bursts.Exit(key) is { } deferred)
            {
                // The last write of a burst on the key: the check its writes deferred runs now.
                _ = _reader.ConfirmDivergenceAsync(key, deferred);
            }
        }
    }

    /// <summary>
    /// A list write's part on one node: a push buried under a delete watermark beyond the skew bound does not count, and
    /// a node that does not acknowledge gets a hint.
    /// </summary>
    private readonly struct WriteStep(ListWriter owner, QuorumCall<ListWriteReply> call, LuaScript script, string key, RedisKey[] keys, RedisValue[] args, ReplicatedVersion version, string typeName) : INodeStep<ListWriteReply>
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
