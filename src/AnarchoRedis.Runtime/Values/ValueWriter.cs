using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>Value writes: versioned conditional writes (and tombstones) fanned out to every node with a W quorum.</summary>
internal sealed class ValueWriter : Replicator
{
    private readonly ValueScripts _scripts;

    public ValueWriter(ReplicationContext context, ValueScripts scripts)
        : base(context)
    {
        _scripts = scripts;
    }

    public ValueTask<WriteResult> WriteAsync(ReplicatedTypeDescriptor descriptor, string key, byte[] payload, WriteOptions? options, CancellationToken cancellationToken)
    {
        var keys = _scripts.WriteKeys(key);
        var required = RequiredForWrite(descriptor, options);
        var expiresAt = ExpiresAt(descriptor, options);

        var version = _clock.Next();
        var args = _scripts.WriteArguments(key, version, ValueScripts.ModeValue, payload, expiresAt, deletedAt: 0, descriptor.Name, replaceEqual: false);
        return ExecuteWriteAsync("set", key, keys, args, version, required, descriptor.Name, cancellationToken);
    }

    public ValueTask<WriteResult> DeleteAsync(ReplicatedTypeDescriptor descriptor, string key, WriteOptions? options, CancellationToken cancellationToken)
    {
        var keys = _scripts.WriteKeys(key);
        var required = RequiredForWrite(descriptor, options);
        var version = _clock.Next();
        var args = _scripts.WriteArguments(key, version, ValueScripts.ModeTombstone, RedisValue.EmptyString, expiresAt: 0, deletedAt: NowMs, descriptor.Name, replaceEqual: false);
        return ExecuteWriteAsync("delete", key, keys, args, version, required, descriptor.Name, cancellationToken);
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
        using var span = StartSpan(operation, typeName, AnarchoRedisTracing.ValueKind, required);
        var call = new QuorumCall<ValueWriteReply>(_nodes.Count, required);
        if (span is not null)
        {
            call.Trace(span, _nodes.Nodes, static r => (AnarchoRedisTracing.OutcomeName(r.Kind), r.Error));
        }

        try
        {
            foreach (var node in _nodes.Nodes)
            {
                _ = NodeCall.RunAsync<ValueWriteReply, WriteStep>(node, new WriteStep(this, call, key, keys, args, version, typeName));
            }

            await call.Decision.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!call.Reached)
            {
                var (replies, arrived) = await call.SettleAsync(_options.NodeTimeout * 2, cancellationToken).ConfigureAwait(false);
                Completed(operation, "quorum_failed", started, span);
                throw QuorumFailure(operation, key, required, replies, arrived, static r => new NodeOutcome(string.Empty, r.Kind, r.Kind is NodeOutcomeKind.Failed or NodeOutcomeKind.Skipped ? null : r.Stored, r.Error));
            }

            // Nodes that did not acknowledge were logged and counted as they answered (WriteStep).
            var acknowledged = call.Counted;
            Completed(operation, "ok", started, span);
            span?.SetTag("anarchoredis.quorum.counted", acknowledged);
            return new WriteResult(version, acknowledged, required);
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

    /// <summary>A value write's part on one node: the superseded answer of a node beyond the skew bound does not count, and a node that does not acknowledge gets a hint.</summary>
    private readonly struct WriteStep(ValueWriter owner, QuorumCall<ValueWriteReply> call, string key, RedisKey[] keys, RedisValue[] args, ReplicatedVersion version, string typeName) : INodeStep<ValueWriteReply>
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
