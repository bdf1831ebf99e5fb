using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>The outcome of a quorum read of a value.</summary>
internal readonly record struct ValueReadResult(bool HasValue, object? Value, ReplicatedVersion Version);

/// <summary>
/// The replication core for single values: versioned conditional writes fanned out to every node with a W quorum,
/// R-quorum reads with last-writer-wins and read repair. Untyped: payloads are bytes, decoding is the store's.
/// </summary>
internal sealed partial class ValueReplicator : Replicator
{
    private static readonly RedisValue ModeValue = "v";
    private static readonly RedisValue ModeTombstone = "t";
    private static readonly RedisValue ModeExpired = "x";
    private static readonly RedisValue Zero = "0";
    private static readonly RedisValue One = "1";


    public ValueReplicator(
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

    public ValueTask<WriteResult> WriteAsync(ReplicatedTypeDescriptor descriptor, string key, byte[] payload, WriteOptions? options, CancellationToken cancellationToken)
    {
        var keys = WriteKeys(key);
        var required = RequiredForWrite(descriptor, options);
        var expiresAt = ExpiresAt(descriptor, options);

        var version = _clock.Next();
        var args = WriteArguments(key, version, ModeValue, payload, expiresAt, deletedAt: 0, descriptor.Name, replaceEqual: false);
        return ExecuteWriteAsync("set", key, keys, args, version, required, descriptor.Name, cancellationToken);
    }

    public ValueTask<WriteResult> DeleteAsync(ReplicatedTypeDescriptor descriptor, string key, WriteOptions? options, CancellationToken cancellationToken)
    {
        var keys = WriteKeys(key);
        var required = RequiredForWrite(descriptor, options);
        var version = _clock.Next();
        var args = WriteArguments(key, version, ModeTombstone, RedisValue.EmptyString, expiresAt: 0, deletedAt: NowMs, descriptor.Name, replaceEqual: false);
        return ExecuteWriteAsync("delete", key, keys, args, version, required, descriptor.Name, cancellationToken);
    }

    /// <summary>
    /// KEYS of value_write.lua (and value_purge.lua) for a key: data and meta, plus its slot's index and digest when
    /// slot digests are on. Checks the key.
    /// </summary>
    internal RedisKey[] WriteKeys(string key)
    {
        var metaKey = _keys.MetaKey(key);
        if (_slots is null)
        {
            return [key, metaKey];
        }

        var (index, digest) = _slots.Of(key);
        return [key, metaKey, index, digest];
    }

    /// <summary>
    /// ARGV of value_write.lua. With slot digests on, also the key's entry hash (of the key and version) and its due
    /// time: a tombstone is due when its grace period ends, a value with a time to live when its meta key expires.
    /// </summary>
    private RedisValue[] WriteArguments(string key, ReplicatedVersion version, RedisValue mode, RedisValue payload, long expiresAt, long deletedAt, string typeName, bool replaceEqual)
    {
        var metaExpiresAt = MetaExpiresAt(expiresAt);
        if (_slots is null)
        {
            return
            [
                version.ToString(),
                mode,
                payload,
                expiresAt == 0 ? Zero : expiresAt,
                metaExpiresAt == 0 ? Zero : metaExpiresAt,
                deletedAt == 0 ? Zero : deletedAt,
                typeName,
                replaceEqual ? One : Zero,
            ];
        }

        var due = EarliestDue(deletedAt == 0 ? 0 : deletedAt + GraceMs, metaExpiresAt);
        return
        [
            version.ToString(),
            mode,
            payload,
            expiresAt == 0 ? Zero : expiresAt,
            metaExpiresAt == 0 ? Zero : metaExpiresAt,
            deletedAt == 0 ? Zero : deletedAt,
            typeName,
            replaceEqual ? One : Zero,
            SlotEntry.ValueHash(key, version),
            due == 0 ? Zero : due,
        ];
    }

    private async ValueTask<WriteResult> ExecuteWriteAsync(
        string operation,
        string key,
        RedisKey[] keys,
        RedisValue[] args,
        ReplicatedVersion version,
        int required,
        string typeName,
        CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var call = new QuorumCall<ValueWriteReply>(_nodes.Count, required);
        foreach (var node in _nodes.Nodes)
        {
            _ = WriteOnNodeAsync(call, node, key, keys, args, version, typeName);
        }

        await call.Decision.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!call.Reached)
        {
            var (replies, arrived) = await call.SettleAsync(_options.NodeTimeout * 2, cancellationToken).ConfigureAwait(false);
            _metrics.Operation(operation, "quorum_failed", started);
            throw QuorumFailure(operation, key, required, replies, arrived, static r => new NodeOutcome(string.Empty, r.Kind, r.Kind is NodeOutcomeKind.Failed or NodeOutcomeKind.Skipped ? null : r.Stored, r.Error));
        }

        // Nodes that did not acknowledge were logged and counted as they answered (WriteOnNodeAsync).
        var acknowledged = call.Counted;
        _metrics.Operation(operation, "ok", started);
        return new WriteResult(version, acknowledged, required);
    }

    private async Task WriteOnNodeAsync(QuorumCall<ValueWriteReply> call, ReplicaNode node, string key, RedisKey[] keys, RedisValue[] args, ReplicatedVersion version, string typeName)
    {
        ValueWriteReply reply;
        if (node.Health.IsOpen)
        {
            // The circuit is open: not sent, answered at once (a missed write like any other).
            reply = new ValueWriteReply(NodeOutcomeKind.Skipped, default, node.Health.SkipError);
        }
        else
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                RedisResult result;
                try
                {
                    result = await node.EvaluateAsync(LuaScript.ValueWrite, keys, args).ConfigureAwait(false);
                }
                catch (RedisServerException ex) when (ReplicaNode.IsNoScript(ex))
                {
                    result = await node.ReloadAndEvaluateAsync(LuaScript.ValueWrite, keys, args).ConfigureAwait(false);
                }

                node.Health.OnAnswer(started);
                reply = ValueReplyParser.ParseWrite(result, key, node.Name, typeName, version);
                if (reply.Kind == NodeOutcomeKind.Superseded && !Observe(reply.Stored, key))
                {
                    // The node holds a version from beyond the skew bound: this write cannot win there, so the node does
                    // not acknowledge it (else a write that never becomes visible would be reported as done).
                    reply = new ValueWriteReply(NodeOutcomeKind.Failed, reply.Stored, AheadOfClock(key, node, reply.Stored));
                }
            }
            catch (Exception ex)
            {
                node.Health.Observe(ex, started);
                reply = new ValueWriteReply(ValueReplyParser.Classify(ex), default, ex);
            }
        }

        if (!reply.Counts)
        {
            NoteNodeError(node, key, reply.Kind, reply.Error);
            OnMissedWrite(node, key, version, typeName, reply.Kind, reply.Error, call.Decision);
        }

        call.OnReply(node.Index, reply);
    }

}
