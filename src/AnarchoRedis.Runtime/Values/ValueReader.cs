using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>The outcome of a quorum read of a value.</summary>
internal readonly record struct ValueReadResult(bool HasValue, object? Value, ReplicatedVersion Version);

/// <summary>
/// Value reads with an R quorum: the newest version wins (last writer wins), and the replicas seen holding less are
/// repaired with it (<see cref="ValueRepair.RepairPlan"/>), before the read returns or in the background. Untyped:
/// payloads are bytes, decoding is the store's.
/// </summary>
internal sealed class ValueReader : Replicator
{
    private readonly ValueRepair _repair;

    public ValueReader(ReplicationContext context, ValueRepair repair)
        : base(context)
    {
        _repair = repair;
    }

    public async ValueTask<ValueReadResult> ReadAsync(
        ReplicatedTypeDescriptor descriptor,
        string key,
        ReadOptions? options,
        IValueDecoder decoder,
        CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        RedisKey[] keys = [key, _keys.MetaKey(key), EpochKey];
        var required = RequiredForRead(descriptor, options);
        var repairMode = options?.ReadRepair ?? _options.ReadRepair;

        using var span = StartSpan("get", descriptor.Name, AnarchoRedisTracing.ValueKind, required);
        var call = new QuorumCall<ValueReadReply>(_nodes.Count, required);
        if (span is not null)
        {
            call.Trace(span, _nodes.Nodes, DescribeRead);
        }

        try
        {
            await SendReadAsync(
                call,
                FanOut(options),
                (Owner: this, Call: call, Key: key, Keys: keys, TypeName: descriptor.Name, NowMs: NowMs),
                static (s, node) => s.Owner.ReadOnNode(s.Call, node, s.Key, s.Keys, s.TypeName, s.NowMs),
                cancellationToken).ConfigureAwait(false);
            if (!call.Reached)
            {
                var (failed, failedArrived) = await call.SettleAsync(_options.NodeTimeout * 2, cancellationToken).ConfigureAwait(false);
                if (repairMode != ReadRepairMode.Off)
                {
                    RefillMissing(key, descriptor.Name, failed, failedArrived);
                }

                Completed("get", "quorum_failed", started, span);
                throw QuorumFailure("get", key, required, failed, failedArrived, static r => new NodeOutcome(string.Empty, r.Counts ? NodeOutcomeKind.Applied : r.ErrorKind, r.Counts ? r.Version : null, r.Error), isWrite: false);
            }

            var (replies, arrived) = call.TakeSnapshot();
            var winnerIndex = -1;
            for (var i = 0; i < replies.Length; i++)
            {
                if (arrived[i] && replies[i].IsCandidate && (winnerIndex < 0 || replies[i].Version > replies[winnerIndex].Version))
                {
                    winnerIndex = i;
                }
            }

            if (winnerIndex < 0)
            {
                // No node holds a versioned state: nothing to return and nothing to repair from. Anti-entropy covers a
                // node that answers later with a version.
                Completed("get", "ok", started, span);
                return default;
            }

            object? value = null;
            if (replies[winnerIndex].State == ValueState.Live)
            {
                value = DecodeWinner(key, decoder, replies, arrived, ref winnerIndex);
            }

            var winner = replies[winnerIndex];
            if (repairMode != ReadRepairMode.Off)
            {
                var repair = _repair.PlanFor(key, descriptor.Name, winner);
                Task<Exception?>?[]? blocking = null;
                for (var i = 0; i < replies.Length; i++)
                {
                    if (arrived[i] && ValueRepair.NeedsRepair(replies[i], winner))
                    {
                        var task = repair.RunAsync(_nodes.Nodes[i], replies[i], repairMode == ReadRepairMode.Blocking ? "blocking" : "background");
                        if (repairMode == ReadRepairMode.Blocking)
                        {
                            (blocking ??= new Task<Exception?>?[replies.Length])[i] = task;
                        }
                    }
                }

                call.HandleLate(
                    static (index, reply, state) =>
                    {
                        var plan = (ValueRepair.RepairPlan)state!;
                        if (ValueRepair.NeedsRepair(reply, plan.Winner))
                        {
                            _ = plan.RunAsync(plan.Owner.Context.Nodes.Nodes[index], reply, "background");
                        }
                    },
                    repair);

                if (blocking is not null)
                {
                    await Task.WhenAll(Array.FindAll(blocking, t => t is not null)!).WaitAsync(cancellationToken).ConfigureAwait(false);
                    if (RepairFailure(key, required, replies, arrived, winner, blocking) is { } failure)
                    {
                        Completed("get", "repair_failed", started, span);
                        throw failure;
                    }
                }
            }

            Completed("get", "ok", started, span);
            return winner.State == ValueState.Live ? new ValueReadResult(true, value, winner.Version) : new ValueReadResult(false, null, winner.Version);
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

    /// <summary>
    /// After a blocking repair: the read may return the winner only if a quorum of the nodes whose answers counted now
    /// hold it (or R of them, when R is below a quorum), so that every later quorum read sees it (monotonic reads). A
    /// repair that failed leaves fewer: the read fails, not indeterminate, naming each node's part.
    /// </summary>
    private QuorumNotReachedException? RepairFailure(string key, int required, ValueReadReply[] replies, bool[] arrived, ValueReadReply winner, Task<Exception?>?[] repairs)
    {
        var holders = 0;
        for (var i = 0; i < replies.Length; i++)
        {
            if (arrived[i] && replies[i].Counts && (repairs[i] is { } repair ? repair.Result is null : !ValueRepair.NeedsRepair(replies[i], winner)))
            {
                holders++;
            }
        }

        var needed = Math.Min(required, (_nodes.Count / 2) + 1);
        if (holders >= needed)
        {
            return null;
        }

        var outcomes = new NodeOutcome[replies.Length];
        for (var i = 0; i < replies.Length; i++)
        {
            var node = _nodes.Nodes[i].Name;
            outcomes[i] = !arrived[i] ? new NodeOutcome(node, NodeOutcomeKind.Pending)
                : repairs[i] is { Result: { } error } ? new NodeOutcome(node, NodeOutcomeKind.Failed, null, error)
                : replies[i].Counts ? new NodeOutcome(node, NodeOutcomeKind.Applied, winner.Version)
                : new NodeOutcome(node, replies[i].ErrorKind, null, replies[i].Error);
        }

        var exception = new QuorumNotReachedException("read_repair", key, needed, outcomes, isWrite: false);
        Log.QuorumNotReached(_logger, "read_repair", key, holders, needed, string.Join(", ", outcomes.Select(o => $"{o.Node}={o.Kind}")));
        return exception;
    }

    /// <summary>
    /// A read that missed R because of missing replicas (data gone under their meta) still refills them, in the
    /// background, from the newest state among the answers: else a missing replica would fail every R = All read until
    /// anti-entropy got to it.
    /// </summary>
    private void RefillMissing(string key, string typeName, ValueReadReply[] replies, bool[] arrived)
    {
        var winnerIndex = -1;
        var anyMissing = false;
        for (var i = 0; i < replies.Length; i++)
        {
            anyMissing |= arrived[i] && replies[i].State == ValueState.Damaged;
            if (arrived[i] && replies[i].IsCandidate && (winnerIndex < 0 || replies[i].Version > replies[winnerIndex].Version))
            {
                winnerIndex = i;
            }
        }

        if (!anyMissing || winnerIndex < 0 || (replies[winnerIndex].State == ValueState.Live && !MessagePackShape.IsWellFormed(replies[winnerIndex].Payload)))
        {
            return;
        }

        var repair = _repair.PlanFor(key, typeName, replies[winnerIndex]);
        for (var i = 0; i < replies.Length; i++)
        {
            if (arrived[i] && replies[i].State == ValueState.Damaged && ValueRepair.NeedsRepair(replies[i], repair.Winner))
            {
                _ = repair.RunAsync(_nodes.Nodes[i], replies[i], "background");
            }
        }
    }

    /// <summary>Starts a value read on one node.</summary>
    private void ReadOnNode(QuorumCall<ValueReadReply> call, ReplicaNode node, string key, RedisKey[] keys, string typeName, long nowMs) =>
        new QuorumReadStep<ValueReadReply, ValueReadParser>(this, call, key, keys, [], new ValueReadParser(typeName, nowMs, _logger)).Send(node);

    /// <summary>
    /// Decodes the winning value. When a copy does not decode, another node's copy of the same version is tried;
    /// the bad copy then differs from the winner's bytes and is repaired like any stale one. Only when no copy
    /// decodes does the read fail.
    /// </summary>
    private object DecodeWinner(string key, IValueDecoder decoder, ValueReadReply[] replies, bool[] arrived, ref int winnerIndex)
    {
        var version = replies[winnerIndex].Version;
        ValueDecodeException? first = null;
        for (var i = 0; i < replies.Length; i++)
        {
            var index = (winnerIndex + i) % replies.Length;
            var reply = replies[index];
            if (!arrived[index] || reply.State != ValueState.Live || reply.Version != version)
            {
                continue;
            }

            try
            {
                var value = decoder.Decode(reply.Payload);
                winnerIndex = index;
                return value;
            }
            catch (MessagePack.MessagePackSerializationException ex)
            {
                var error = new ValueDecodeException(key, _nodes.Nodes[index].Name, decoder.ValueType, ex);
                _metrics.NodeError(_nodes.Nodes[index].Name, "undecodable");
                Log.BadNodeData(_logger, _nodes.Nodes[index].Name, key, error.Message);
                first ??= error;
            }
        }

        throw first!;
    }

}
