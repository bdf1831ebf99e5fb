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
/// List reads with an R quorum. When the counted replies agree on (count, digest), one reply answers; otherwise the full
/// lists and tombstones are read, merged (<see cref="ListMergedReplicas"/>) and written back to each node that differs
/// (<see cref="ListRepair.ReplacePlan"/>), conditionally on the (count, digest) it had: read repair.
/// </summary>
internal sealed class ListReader : Replicator
{
    private static readonly RedisValue ModeRange = "range";
    private static readonly RedisValue ModeFull = "full";
    private static readonly RedisValue ModeMeta = "meta";
    private const int Running = 1;
    private const int RunAgain = 2;

    private readonly ConcurrentDictionary<string, int> _backgroundSyncs = new(StringComparer.Ordinal);

    private readonly ListKeys _listKeys;
    private readonly ListRepair _repair;

    public ListReader(ReplicationContext context, ListKeys keys, ListRepair repair)
        : base(context)
    {
        _listKeys = keys;
        _repair = repair;
    }

    /// <summary>
    /// LRANGE start..stop with quorum R. When the counted replies agree on (count, digest), the first one's range is
    /// the answer; otherwise the full lists are merged, diverged nodes repaired, and the range taken from the merge.
    /// </summary>
    public async ValueTask<IReadOnlyList<ListElement>> RangeAsync(ReplicatedTypeDescriptor descriptor, string key, long start, long stop, int required, ReadRepairMode repair, ReadFanOut fanOut, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var span = StartSpan("lrange", descriptor.Name, AnarchoRedisTracing.ListKind, required);
        try
        {
            var (replies, agreed) = await QuorumReadAsync("lrange", key, descriptor.Name, [descriptor.Name, ModeRange, start, stop], required, repair, fanOut, span, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<ListElement> result;
            if (agreed >= 0)
            {
                result = replies[agreed].Elements;
            }
            else
            {
                var merged = await SyncAsync(key, descriptor.Name, required, ModeName(repair), cancellationToken).ConfigureAwait(false);
                result = ListMerge.Range(merged.Elements, start, stop);
            }

            Completed("lrange", "ok", started, span);
            return result;
        }
        catch (Exception ex) when (AnarchoRedisTracing.Failed(span, ex))
        {
            throw; // Never reached: the filter records the failure on the span and declines.
        }
    }

    /// <summary>The list's length with quorum R (merging and repairing when the replicas disagree).</summary>
    public async ValueTask<long> LengthAsync(ReplicatedTypeDescriptor descriptor, string key, int required, ReadRepairMode repair, ReadFanOut fanOut, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var span = StartSpan("llen", descriptor.Name, AnarchoRedisTracing.ListKind, required);
        try
        {
            var (replies, agreed) = await QuorumReadAsync("llen", key, descriptor.Name, [descriptor.Name, ModeMeta], required, repair, fanOut, span, cancellationToken).ConfigureAwait(false);
            var length = agreed >= 0
                ? replies[agreed].Count
                : (await SyncAsync(key, descriptor.Name, required, ModeName(repair), cancellationToken).ConfigureAwait(false)).Count;
            Completed("llen", "ok", started, span);
            return length;
        }
        catch (Exception ex) when (AnarchoRedisTracing.Failed(span, ex))
        {
            throw; // Never reached: the filter records the failure on the span and declines.
        }
    }

    /// <summary>The merged full list from at least R nodes, with every diverged node that answered repaired.</summary>
    public Task<ListReplicaState> ReadMergedAsync(ReplicatedTypeDescriptor descriptor, string key, int required, CancellationToken cancellationToken) =>
        SyncAsync(key, descriptor.Name, required, "blocking", cancellationToken);

    /// <summary>
    /// Sends a read to all nodes and waits for R. Returns the snapshot and the index of a counted reply when all counted
    /// replies agree on (count, digest), else -1. Late replies that disagree start a background merge.
    /// </summary>
    /// <summary>The read repair mode of a call: the call's, else the client's.</summary>
    public ReadRepairMode RepairMode(ReadOptions? options) => options?.ReadRepair ?? _options.ReadRepair;

    private static string ModeName(ReadRepairMode mode) => mode switch
    {
        ReadRepairMode.Off => "off",
        ReadRepairMode.Background => "background",
        _ => "blocking",
    };

    private async Task<(ListReadReply[] Replies, int Agreed)> QuorumReadAsync(string operation, string key, string typeName, RedisValue[] args, int required, ReadRepairMode repair, ReadFanOut fanOut, Activity? span, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var keys = _listKeys.ReadKeys(key);
        var call = new QuorumCall<ListReadReply>(_nodes.Count, required);
        if (span is not null)
        {
            call.Trace(span, _nodes.Nodes, DescribeRead);
        }

        try
        {
            await SendReadAsync(
                call,
                fanOut,
                (Owner: this, Call: call, Key: key, Keys: keys, Args: args, TypeName: typeName),
                static (s, node) => s.Owner.ReadOnNode(s.Call, node, s.Key, s.Keys, s.Args, s.TypeName),
                cancellationToken).ConfigureAwait(false);
            if (!call.Reached)
            {
                var (failed, failedArrived) = await call.SettleAsync(_options.NodeTimeout * 2, cancellationToken).ConfigureAwait(false);
                Completed(operation, "quorum_failed", started, span);
                throw QuorumFailure(operation, key, required, failed, failedArrived, static r => new NodeOutcome(string.Empty, r.Counts ? NodeOutcomeKind.Applied : r.ErrorKind, r.Counts ? r.Version : null, r.Error), isWrite: false);
            }

            var (replies, arrived) = call.TakeSnapshot();
            var agreed = -1;
            var diverged = false;
            for (var i = 0; i < replies.Length; i++)
            {
                if (!arrived[i] || !replies[i].Ok)
                {
                    continue;
                }

                if (agreed < 0)
                {
                    agreed = i;
                }
                else if (replies[i].Count != replies[agreed].Count || replies[i].Digest != replies[agreed].Digest)
                {
                    diverged = true;
                }
            }

            if (diverged)
            {
                Log.ListDiverged(_logger, key, operation);
                return (replies, -1);
            }

            if (repair == ReadRepairMode.Off)
            {
                return (replies, agreed);
            }

            call.HandleLate(
                static (index, reply, state) =>
                {
                    var (owner, key, typeName, count, digest) = ((ListReader, string, string, long, ulong))state!;
                    if (reply.Ok && (reply.Count != count || reply.Digest != digest))
                    {
                        owner.SyncInBackground(key, typeName);
                    }
                },
                (this, key, typeName, replies[agreed].Count, replies[agreed].Digest));
            return (replies, agreed);
        }
        finally
        {
            call.EndTrace();
        }
    }

    /// <summary>Starts a list read on one node.</summary>
    private void ReadOnNode(QuorumCall<ListReadReply> call, ReplicaNode node, string key, RedisKey[] keys, RedisValue[] args, string typeName) =>
        new QuorumReadStep<ListReadReply, ListReadParser>(this, call, key, keys, args, new ListReadParser(typeName, NowMs)).Send(node);

    internal async Task ConfirmDivergenceAsync(string key, string typeName)
    {
        try
        {
            // Background repair mode: a late reply that still differs starts the merge (SyncInBackground).
            var (_, agreed) = await QuorumReadAsync("llen", key, typeName, [typeName, ModeMeta], _nodes.Majority, ReadRepairMode.Background, ReadFanOut.All, span: null, CancellationToken.None).ConfigureAwait(false);
            if (agreed < 0)
            {
                SyncInBackground(key, typeName);
            }
        }
        catch (Exception ex)
        {
            // No quorum for the check: the next write's check, hints and anti-entropy cover the key.
            _metrics.ListRepair("background", "failed");
            Log.ListRepairFailed(_logger, key, "*", ex);
        }
    }

    /// <summary>
    /// Starts a background merge and repair of a key, coalesced: while one runs for the key, further requests only
    /// make it run once more when it ends (under concurrent pushes, replicas disagree briefly after many writes).
    /// </summary>
    internal void SyncInBackground(string key, string typeName)
    {
        while (true)
        {
            if (_backgroundSyncs.TryAdd(key, Running))
            {
                break;
            }

            if (_backgroundSyncs.TryUpdate(key, RunAgain, Running) || _backgroundSyncs.TryGetValue(key, out var state) && state == RunAgain)
            {
                return;
            }
        }

        _ = Task.Run(async () =>
        {
            while (true)
            {
                try
                {
                    await SyncAsync(key, typeName, 1, "background", CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    _metrics.ListRepair("background", "failed");
                    Log.ListRepairFailed(_logger, key, "*", ex);
                }

                if (_backgroundSyncs.TryRemove(new KeyValuePair<string, int>(key, Running)))
                {
                    return;
                }

                _backgroundSyncs[key] = Running;
            }
        });
    }

    /// <summary>
    /// Reads the full lists and tombstones from every node (waiting for <paramref name="required"/>), merges those that
    /// answered, and writes the merge to each node whose (count, digest) differs, conditionally on what it had.
    /// Repairs of the nodes in the snapshot are awaited; a node answering later is repaired in the background.
    /// </summary>
    internal async Task<ListReplicaState> SyncAsync(string key, string typeName, int required, string mode, CancellationToken cancellationToken)
    {
        var keys = _listKeys.ReadKeys(key);
        using var span = StartSpan("list_merge", typeName, AnarchoRedisTracing.ListKind, required);
        var call = new QuorumCall<ListReadReply>(_nodes.Count, required);
        if (span is not null)
        {
            call.Trace(span, _nodes.Nodes, DescribeRead);
        }

        RedisValue[] args = [typeName, ModeFull];
        try
        {
            foreach (var node in _nodes.Nodes)
            {
                ReadOnNode(call, node, key, keys, args, typeName);
            }

            await call.Decision.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!call.Reached)
            {
                var (failed, failedArrived) = await call.SettleAsync(_options.NodeTimeout * 2, cancellationToken).ConfigureAwait(false);
                AnarchoRedisTracing.Outcome(span, "quorum_failed");
                throw QuorumFailure("list_repair", key, required, failed, failedArrived, static r => new NodeOutcome(string.Empty, r.Counts ? NodeOutcomeKind.Applied : r.ErrorKind, r.Counts ? r.Version : null, r.Error), isWrite: false);
            }

            // Give the other nodes a moment (they were asked at the same time): a merge of more replicas repairs more.
            try
            {
                await call.AllArrived.WaitAsync(_options.NodeTimeout / 4, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The rest are handled as late replies.
            }

            var (replies, arrived) = call.TakeSnapshot();
            var basis = ListMergedReplicas.Of(replies.Where((_, i) => arrived[i]), ExpiryJudgedAtMs);
            var merged = basis.Merged;
            if (mode == "off")
            {
                // Read repair is off for this call: the merge answers the read, the nodes are left to anti-entropy.
                AnarchoRedisTracing.Outcome(span, "ok");
                return merged;
            }

            var plan = _repair.PlanFor(key, typeName, basis);
            var ofEveryNode = Array.TrueForAll(arrived, a => a) && Array.TrueForAll(replies, r => r.Ok);
            List<Task>? repairs = null;
            for (var i = 0; i < replies.Length; i++)
            {
                if (arrived[i] && basis.ElementsDifferFrom(replies[i]) && ListMergedReplicas.MayRewrite(replies[i], ofEveryNode))
                {
                    (repairs ??= []).Add(plan.RunAsync(_nodes.Nodes[i], replies[i], mode));
                }
            }

            call.HandleLate(
                static (index, reply, state) =>
                {
                    var plan = (ListRepair.ReplacePlan)state!;
                    if (plan.ElementsDifferFrom(reply) && ListMergedReplicas.MayRewrite(reply, ofEveryNode: false))
                    {
                        // The late node may hold elements the others lack: merge it in, repair it; the others learn them
                        // at the next write's post-write check (or anti-entropy).
                        var widened = plan.Widen(reply);
                        _ = widened.RunAsync(plan.Owner.Context.Nodes.Nodes[index], reply, "background");
                    }
                },
                plan);

            if (repairs is not null && mode == "blocking")
            {
                await Task.WhenAll(repairs).WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            AnarchoRedisTracing.Outcome(span, "ok");
            return merged;
        }
        catch (Exception ex) when (AnarchoRedisTracing.Failed(span, ex))
        {
            throw; // Never reached: the filter records the failure on the span and declines.
        }
        finally
        {
            call.EndTrace();
        }
    }
}
