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
internal sealed partial class ValueReplicator : Replicator, IKeyKindRepair
{
    private static readonly RedisValue ModeValue = "v";
    private static readonly RedisValue ModeTombstone = "t";
    private static readonly RedisValue ModeExpired = "x";
    private static readonly RedisValue Zero = "0";
    private static readonly RedisValue One = "1";


    public ValueReplicator(ReplicationContext context)
        : base(context)
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
            _ = NodeCall.RunAsync<ValueWriteReply, WriteStep>(node, new WriteStep(this, call, key, keys, args, version, typeName));
        }

        await call.Decision.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!call.Reached)
        {
            var (replies, arrived) = await call.SettleAsync(_options.NodeTimeout * 2, cancellationToken).ConfigureAwait(false);
            _metrics.Operation(operation, "quorum_failed", started);
            throw QuorumFailure(operation, key, required, replies, arrived, static r => new NodeOutcome(string.Empty, r.Kind, r.Kind is NodeOutcomeKind.Failed or NodeOutcomeKind.Skipped ? null : r.Stored, r.Error));
        }

        // Nodes that did not acknowledge were logged and counted as they answered (WriteStep).
        var acknowledged = call.Counted;
        _metrics.Operation(operation, "ok", started);
        return new WriteResult(version, acknowledged, required);
    }

    /// <summary>A value write's part on one node: the superseded answer of a node beyond the skew bound does not count, and a node that does not acknowledge gets a hint.</summary>
    private readonly struct WriteStep(ValueReplicator owner, QuorumCall<ValueWriteReply> call, string key, RedisKey[] keys, RedisValue[] args, ReplicatedVersion version, string typeName) : INodeStep<ValueWriteReply>
    {
        public LuaScript Script => LuaScript.ValueWrite;

        public RedisKey[] Keys => keys;

        public RedisValue[] Args => args;

        public ValueWriteReply Parse(ReplicaNode node, RedisResult result)
        {
            var reply = ValueReplyParser.ParseWrite(result, key, node.Name, typeName, version);
            if (reply.Kind == NodeOutcomeKind.Superseded && !owner.Observe(reply.Stored, key))
            {
                // The node holds a version from beyond the skew bound: this write cannot win there, so the node does
                // not acknowledge it (else a write that never becomes visible would be reported as done).
                reply = new ValueWriteReply(NodeOutcomeKind.Failed, reply.Stored, owner.AheadOfClock(key, node, reply.Stored));
            }

            return reply;
        }

        public ValueWriteReply Failed(ReplicaNode node, NodeOutcomeKind kind, Exception error) => new(kind, default, error);

        public void Complete(ReplicaNode node, ValueWriteReply reply)
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
