using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <content>Quorum reads and read repair.</content>
internal sealed partial class ValueReplicator
{
    public async ValueTask<ValueReadResult> ReadAsync(
        ReplicatedTypeDescriptor descriptor,
        string key,
        ReadOptions? options,
        IValueDecoder decoder,
        CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        RedisKey[] keys = [key, _keys.MetaKey(key)];
        var required = _nodes.Required(options?.RequiredReplies, options?.Consistency ?? Consistency.Default, descriptor.ReadConsistency, _options.ReadConsistency);
        var repairMode = options?.ReadRepair ?? _options.ReadRepair;

        var call = new QuorumCall<ValueReadReply>(_nodes.Count, required);
        var nowMs = NowMs;
        foreach (var node in _nodes.Nodes)
        {
            _ = ReadOnNodeAsync(call, node, key, keys, descriptor.Name, nowMs);
        }

        await call.Decision.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!call.Reached)
        {
            var (failed, failedArrived) = await call.SettleAsync(_options.NodeTimeout * 2, cancellationToken).ConfigureAwait(false);
            _metrics.Operation("get", "quorum_failed", started);
            throw QuorumFailure("get", key, required, failed, failedArrived, static r => new NodeOutcome(string.Empty, r.Counts ? NodeOutcomeKind.Applied : r.ErrorKind, r.Counts ? r.Version : null, r.Error));
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
            // No node holds a versioned state: nothing to return and nothing to repair from.
            call.HandleLate(static (_, _) => { });
            _metrics.Operation("get", "ok", started);
            return default;
        }

        // Every reply's version already advanced the clock as it arrived.
        var winner = replies[winnerIndex];
        object? value = null;
        var damagedCopies = new bool[replies.Length];
        if (winner.State == ValueState.Live)
        {
            value = DecodeWinner(key, decoder, replies, arrived, ref winnerIndex, damagedCopies);
            winner = replies[winnerIndex];
        }

        var repair = new RepairPlan(this, key, keys, descriptor.Name, winner);
        if (repairMode != ReadRepairMode.Off)
        {
            var blocking = repairMode == ReadRepairMode.Blocking ? new List<Task>() : null;
            for (var i = 0; i < replies.Length; i++)
            {
                if (arrived[i] && NeedsRepair(replies[i], winner, damagedCopies[i]))
                {
                    var task = repair.RunAsync(_nodes.Nodes[i], replaceEqual: replies[i].Version == winner.Version, blocking is null ? "background" : "blocking");
                    blocking?.Add(task);
                }
            }

            call.HandleLate((index, reply) =>
            {
                if (NeedsRepair(reply, repair.Winner, damaged: false))
                {
                    _ = repair.RunAsync(_nodes.Nodes[index], replaceEqual: reply.Version == repair.Winner.Version, "background");
                }
            });

            if (blocking is { Count: > 0 })
            {
                await Task.WhenAll(blocking).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        _metrics.Operation("get", "ok", started);
        return winner.State == ValueState.Live ? new ValueReadResult(true, value, winner.Version) : new ValueReadResult(false, null, winner.Version);
    }

    private async Task ReadOnNodeAsync(QuorumCall<ValueReadReply> call, ReplicaNode node, string key, RedisKey[] keys, string typeName, long nowMs)
    {
        ValueReadReply reply;
        try
        {
            var result = await node.EvaluateAsync(LuaScript.ValueRead, keys, []).ConfigureAwait(false);
            reply = ValueReplyParser.ParseRead(result, key, node.Name, typeName, nowMs);
            if (reply.State == ValueState.Unversioned)
            {
                Log.UnversionedData(_logger, node.Name, key);
            }
            else if (reply.State != ValueState.Error && !reply.Version.IsZero)
            {
                Observe(reply.Version, key);
            }
        }
        catch (Exception ex)
        {
            reply = ValueReadReply.Failed(ValueReplyParser.Classify(ex), ex);
        }

        if (!reply.Counts)
        {
            NoteNodeError(node, key, reply.ErrorKind, reply.Error);
        }

        call.OnReply(node.Index, reply);
    }

    /// <summary>
    /// Decodes the winning value. A copy that does not decode is marked for repair and another node's copy of the
    /// same version is tried; only when no copy decodes does the read fail.
    /// </summary>
    private object DecodeWinner(string key, IValueDecoder decoder, ValueReadReply[] replies, bool[] arrived, ref int winnerIndex, bool[] damagedCopies)
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
                damagedCopies[index] = true;
                var error = new ValueDecodeException(key, _nodes.Nodes[index].Name, decoder.ValueType, ex);
                _metrics.NodeError(_nodes.Nodes[index].Name, "undecodable");
                Log.BadNodeData(_logger, _nodes.Nodes[index].Name, key, error.Message);
                first ??= error;
            }
        }

        throw first!;
    }

    private static bool NeedsRepair(ValueReadReply reply, ValueReadReply winner, bool damaged) => reply.State switch
    {
        ValueState.Error => false,
        ValueState.Absent or ValueState.Unversioned => true,
        ValueState.Damaged => reply.Version <= winner.Version,
        _ => reply.Version < winner.Version || (damaged && reply.Version == winner.Version),
    };

    /// <summary>Writes the winning state, with its original version, to stale replicas (conditionally: never over something newer).</summary>
    private sealed class RepairPlan
    {
        private readonly ValueReplicator _owner;
        private readonly string _key;
        private readonly RedisKey[] _keys;
        private readonly string _typeName;

        public RepairPlan(ValueReplicator owner, string key, RedisKey[] keys, string typeName, ValueReadReply winner)
        {
            _owner = owner;
            _key = key;
            _keys = keys;
            _typeName = typeName;
            Winner = winner;
        }

        public ValueReadReply Winner { get; }

        public async Task RunAsync(ReplicaNode node, bool replaceEqual, string mode)
        {
            var writeMode = Winner.State switch
            {
                ValueState.Live => ModeValue,
                ValueState.Tombstone => ModeTombstone,
                _ => ModeExpired,
            };
            var args = _owner.WriteArguments(Winner.Version, writeMode, Winner.Payload ?? RedisValue.EmptyString, Winner.ExpiresAt, Winner.DeletedAt, _typeName, replaceEqual);
            try
            {
                var result = await node.EvaluateAsync(LuaScript.ValueWrite, _keys, args).ConfigureAwait(false);
                var reply = ValueReplyParser.ParseWrite(result, _key, node.Name, _typeName);
                var outcome = reply.Kind switch
                {
                    NodeOutcomeKind.Applied => "applied",
                    NodeOutcomeKind.Superseded => "superseded",
                    _ => "failed",
                };
                _owner._metrics.ReadRepair(mode, outcome);
                Log.ReadRepaired(_owner._logger, _key, node.Name, Winner.Version, mode, outcome);
                if (reply.Error is not null)
                {
                    Log.ReadRepairFailed(_owner._logger, _key, node.Name, reply.Error);
                }
            }
            catch (Exception ex)
            {
                _owner._metrics.ReadRepair(mode, "failed");
                Log.ReadRepairFailed(_owner._logger, _key, node.Name, ex);
            }
        }
    }
}
