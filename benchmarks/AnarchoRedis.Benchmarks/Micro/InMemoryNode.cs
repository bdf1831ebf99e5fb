using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis.Benchmarks.Micro;

/// <summary>How an <see cref="InMemoryNode"/> answers.</summary>
public enum Answer
{
    /// <summary>
    /// Replies are delivered after the call returned, by <see cref="InMemoryNetwork.Deliver"/> on the calling thread:
    /// every await in the SDK suspends, as it does over a socket. The default: it is what the network does.
    /// </summary>
    Deferred,

    /// <summary>Each call returns an already-completed task: no await suspends (the floor no real network reaches).</summary>
    Inline,
}

/// <summary>
/// The replies in flight of a set of <see cref="InMemoryNode"/>s, delivered when the benchmark says so (a network that
/// answers at once, but after the caller has moved on, as a socket does).
/// </summary>
internal sealed class InMemoryNetwork
{
    private readonly Queue<(TaskCompletionSource<RedisResult> Source, RedisResult Reply)> _inFlight = new();

    public InMemoryNetwork(Answer answer) => Answer = answer;

    public Answer Answer { get; }

    /// <summary>How many script calls the nodes received.</summary>
    public long Calls { get; private set; }

    public Task<RedisResult> Send(RedisResult reply, Task<RedisResult> completed)
    {
        Calls++;
        if (Answer == Answer.Inline)
        {
            return completed;
        }

        // Continuations run inline when Deliver completes the task: the SDK's work runs on the benchmark thread, with
        // no thread pool hop (StackExchange.Redis completes on its reader thread and the continuation then runs on the
        // thread pool: that dispatch is the network client's cost, not the SDK's).
        var source = new TaskCompletionSource<RedisResult>();
        _inFlight.Enqueue((source, reply));
        return source.Task;
    }

    /// <summary>Delivers every reply in flight, in send order, including those of calls made by the continuations (repairs).</summary>
    public void Deliver()
    {
        while (_inFlight.TryDequeue(out var pending))
        {
            pending.Source.SetResult(pending.Reply);
        }
    }
}

/// <summary>
/// A Redis node that answers the SDK's scripts instantly with canned, correctly shaped replies (what the script returns
/// on a real node for the state this node stands for). The replies are built once; a call allocates nothing but,
/// when deferred, the task it returns (which StackExchange.Redis allocates too).
/// </summary>
internal sealed class InMemoryNode : INodeChannel
{
    private readonly InMemoryNetwork _network;
    private readonly Dictionary<LuaScript, (RedisResult Reply, Task<RedisResult> Completed)> _replies = new(ReferenceEqualityComparer.Instance);

    public InMemoryNode(InMemoryNetwork network) => _network = network;

    /// <summary>How many times each script ran here while <see cref="Counting"/>.</summary>
    public Dictionary<LuaScript, int> Runs { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>Whether <see cref="Runs"/> is kept (for the setup's checks; off while measuring).</summary>
    public bool Counting { get; set; }

    /// <summary>Sets the reply to <paramref name="script"/>.</summary>
    public InMemoryNode Answers(LuaScript script, RedisResult reply)
    {
        _replies[script] = (reply, Task.FromResult(reply));
        return this;
    }

    public Task<RedisResult> EvaluateAsync(LuaScript script, RedisKey[] keys, RedisValue[] values)
    {
        if (!_replies.TryGetValue(script, out var reply))
        {
            throw new InvalidOperationException($"The in-memory node has no reply for {script.Name}.");
        }

        if (Counting)
        {
            Runs[script] = Runs.GetValueOrDefault(script) + 1;
        }

        return _network.Send(reply.Reply, reply.Completed);
    }

    public Task LoadAsync(LuaScript script) => Task.CompletedTask;

    public Task PingAsync() => Task.CompletedTask;
}
