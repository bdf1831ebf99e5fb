using System;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// A repair's read on one node (anti-entropy, hint replay), whatever the operation path's circuit says: the reply
/// goes to its slot; a copy the script refuses, or a node that cannot answer, is reported to the scope.
/// </summary>
internal readonly struct RepairReadStep<TReply, TParser>(Replicator owner, string key, RedisKey[] keys, RedisValue[] args, TParser parser, TReply[] replies, int index, RepairScope scope) : INodeStep<TReply>
    where TReply : struct, INodeReadReply<TReply>
    where TParser : struct, IReadParser<TReply>
{
    public LuaScript Script => parser.Script;

    public RedisKey[] Keys => keys;

    public RedisValue[] Args => args;

    /// <summary>Reads the key on a node.</summary>
    public Task RunAsync(ReplicaNode node) => NodeCall.RunAsync<TReply, RepairReadStep<TReply, TParser>>(node, this, skipOpenCircuit: false);

    public TReply Parse(ReplicaNode node, RedisResult result)
    {
        var reply = parser.Parse(result, key, node.Name);
        if (reply.IsError)
        {
            scope.Unreadable(node, key, reply.Error);
        }
        else if (!reply.Version.IsZero)
        {
            owner.Observe(reply.Version, key);
        }

        return reply;
    }

    public TReply Failed(ReplicaNode node, NodeOutcomeKind kind, Exception error)
    {
        scope.NodeFailed(node, key, error);
        return TReply.Failed(kind, error);
    }

    public void Complete(ReplicaNode node, TReply reply) => replies[index] = reply;
}
