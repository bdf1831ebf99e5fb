using System;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>A node's reply to one fanned-out command; it never throws, errors are part of the reply.</summary>
internal interface INodeReply
{
    /// <summary>Whether the reply counts toward the quorum.</summary>
    bool Counts { get; }
}

/// <summary>A node's answer to a read script (value_read.lua, list_read.lua).</summary>
/// <typeparam name="TSelf">The reply type.</typeparam>
internal interface INodeReadReply<TSelf> : INodeReply
    where TSelf : struct, INodeReadReply<TSelf>
{
    /// <summary>Whether the node's copy cannot be used at all (it failed, or holds what the script refuses).</summary>
    bool IsError { get; }

    /// <summary>Whether the answer is usable but does not count toward R; <see cref="Error"/> says why.</summary>
    bool IsNotCounted { get; }

    /// <summary>The version the node holds (zero: none).</summary>
    ReplicatedVersion Version { get; }

    NodeOutcomeKind ErrorKind { get; }

    Exception? Error { get; }

    /// <summary>This answer, marked as not counting toward R, with the reason.</summary>
    TSelf NotCounted(Exception reason);

    /// <summary>The reply of a node that was not asked or did not answer.</summary>
    static abstract TSelf Failed(NodeOutcomeKind kind, Exception error);
}

/// <summary>How a read script is sent and its answer read, for one key kind (Values/ValueReplies.cs, Lists/ListReplies.cs).</summary>
/// <typeparam name="TReply">The reply type.</typeparam>
internal interface IReadParser<TReply>
    where TReply : struct, INodeReadReply<TReply>
{
    LuaScript Script { get; }

    /// <summary>Reads the script's answer (errors are replies; may throw on a malformed answer).</summary>
    TReply Parse(RedisResult result, string key, string node);

    /// <summary>Whether the copy's data is gone under its meta before its expiry (evicted, deleted by hand): repaired, never counted.</summary>
    bool IsMissing(in TReply reply);
}

/// <summary>
/// One node's part of a quorum operation, as <see cref="NodeCall.RunAsync{TReply, TStep}"/> runs it: what to send, how
/// to read the answer or the failure, and what to do with the reply (report it to the quorum call, note errors, record
/// a hint, ask another node). A struct, so that each operation's step is specialised and the node's whole part is one
/// async state machine.
/// </summary>
/// <typeparam name="TReply">The parsed reply.</typeparam>
internal interface INodeStep<TReply>
    where TReply : struct, INodeReply
{
    /// <summary>The script sent.</summary>
    LuaScript Script { get; }

    /// <summary>The script's keys.</summary>
    RedisKey[] Keys { get; }

    /// <summary>The script's arguments.</summary>
    RedisValue[] Args { get; }

    /// <summary>Reads the node's answer (may throw: the node's answer then counts as a failure).</summary>
    TReply Parse(ReplicaNode node, RedisResult result);

    /// <summary>The reply of a node that was not asked (<see cref="NodeOutcomeKind.Skipped"/>: its circuit is open) or did not answer.</summary>
    TReply Failed(ReplicaNode node, NodeOutcomeKind kind, Exception error);

    /// <summary>Takes the reply: whatever the node said, this is called once.</summary>
    void Complete(ReplicaNode node, TReply reply);
}

/// <summary>
/// The per-node call every quorum operation makes: skip a node whose circuit is open, EVALSHA, load the script and
/// retry once on NOSCRIPT, send again a script a cluster shard refused for its slot for the moment (a few times, within
/// the node timeout: <see cref="ReplicaNode.EvaluateRetryingAsync(NodeHealth, LuaScript, RedisKey[], RedisValue[])"/>),
/// tell the node's health what happened, parse the answer or classify the failure, complete.
/// Written once; the write and read paths of values and lists pass their own <see cref="INodeStep{TReply}"/>.
/// </summary>
internal static class NodeCall
{
    /// <param name="node">The node asked.</param>
    /// <param name="step">The operation's part on it.</param>
    /// <param name="skipOpenCircuit">
    /// <see langword="false"/> for anti-entropy, which asks every node it can reach whatever the operation path's circuit
    /// says (a pass decides for itself who took part).
    /// </param>
    public static async Task RunAsync<TReply, TStep>(ReplicaNode node, TStep step, bool skipOpenCircuit = true)
        where TReply : struct, INodeReply
        where TStep : struct, INodeStep<TReply>
    {
        TReply reply;
        // A cluster node's calls report to (and are skipped by) the health of their key's shard.
        var health = node.HealthFor(step.Keys);
        if (skipOpenCircuit && health.IsOpen)
        {
            // The circuit is open: not sent, answered at once.
            reply = step.Failed(node, NodeOutcomeKind.Skipped, health.SkipError);
        }
        else
        {
            try
            {
                // Each send's answer or failure is recorded in the health there; a refusal for the slot is retried.
                var result = await node.EvaluateRetryingAsync(health, step.Script, step.Keys, step.Args).ConfigureAwait(false);
                reply = step.Parse(node, result);
            }
            catch (Exception ex)
            {
                var error = NodePermissionException.Classify(ex, node.Name, "evalsha", step.Script.Name);
                reply = step.Failed(node, Classify(error), error);
            }
        }

        step.Complete(node, reply);
    }

    /// <summary>
    /// How a node's failure counts: a timeout or a connection lost mid-command is <see cref="NodeOutcomeKind.TimedOut"/>
    /// (a write may have been applied), a command never sent is <see cref="NodeOutcomeKind.Failed"/>.
    /// </summary>
    public static NodeOutcomeKind Classify(Exception error) => error switch
    {
        RedisTimeoutException => NodeOutcomeKind.TimedOut,
        RedisConnectionException connection when connection.FailureType is ConnectionFailureType.UnableToConnect
            || connection.Message.Contains("No connection is active/available", StringComparison.Ordinal) => NodeOutcomeKind.Failed,
        RedisConnectionException => NodeOutcomeKind.TimedOut,
        TimeoutException => NodeOutcomeKind.TimedOut,
        _ => NodeOutcomeKind.Failed,
    };
}
