using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using StackExchange.Redis;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Nodes;

/// <summary>
/// The coalescing queue in front of one node (no server: a channel whose calls complete when the test says). Calls that
/// wait behind a call the node does not answer must not wait longer than the node timeout, else a hung node piles up
/// every write made to it until the calls ahead of them time out one batch at a time.
/// </summary>
public sealed class ScriptBatcherTests
{
    [Fact]
    public async Task Calls_that_waited_longer_than_the_node_timeout_fail_without_being_sent()
    {
        var channel = new HeldChannel();
        // (The late call must still be fresh when the first call fails right after it: a wait long enough for a
        // loaded machine, where 20 ms made the test flaky.)
        var batcher = new ScriptBatcher(channel, LuaScript.ValueWrite, maxBatch: 64, maxInFlight: 1, maxWait: TimeSpan.FromMilliseconds(400));

        var first = batcher.EvaluateAsync(["k0"], ["a"]);
        var waiting = new[] { batcher.EvaluateAsync(["k1"], ["a"]), batcher.EvaluateAsync(["k2"], ["a"]) };
        await Task.Delay(800);
        var late = batcher.EvaluateAsync(["k3"], ["a"]);

        // The call ahead of them times out (as StackExchange.Redis reports a node that does not answer).
        channel.Calls[0].SetException(new TimeoutException("node timeout"));
        await Assert.ThrowsAsync<TimeoutException>(() => first);
        foreach (var call in waiting)
        {
            // (Bounded: before the fix these calls were sent to the node that does not answer, and never completed.)
            var error = await Assert.ThrowsAsync<TimeoutException>(() => call.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Contains("not sent", error.Message, StringComparison.Ordinal);
        }

        // Only the call that had not waited that long was sent, alone.
        await channel.WaitForCallsAsync(2);
        Assert.Equal(["k3"], channel.Keys[1]);
        channel.Calls[1].SetResult(RedisResult.Create((RedisValue)"ok"));
        Assert.Equal("ok", (string?)await late);
    }

    [Fact]
    public async Task Calls_that_wait_less_than_the_node_timeout_go_together_as_one_batch()
    {
        var channel = new HeldChannel();
        var batcher = new ScriptBatcher(channel, LuaScript.ValueWrite, maxBatch: 64, maxInFlight: 1, maxWait: TimeSpan.FromMinutes(1));

        var first = batcher.EvaluateAsync(["k0"], ["a"]);
        var waiting = new[] { batcher.EvaluateAsync(["k1"], ["a"]), batcher.EvaluateAsync(["k2"], ["a"]) };
        channel.Calls[0].SetResult(RedisResult.Create((RedisValue)"ok"));
        Assert.Equal("ok", (string?)await first);

        await channel.WaitForCallsAsync(2);
        Assert.Equal(["k1", "k2"], channel.Keys[1]);
        channel.Calls[1].SetResult(RedisResult.Create([RedisResult.Create((RedisValue)"one"), RedisResult.Create((RedisValue)"two")]));
        Assert.Equal("one", (string?)await waiting[0]);
        Assert.Equal("two", (string?)await waiting[1]);
    }

    [Fact]
    public async Task A_queue_longer_than_one_batch_goes_at_once_in_batches_when_a_call_comes_back()
    {
        // A node that fell behind (it was paused, or is busy with repairs) gets every write at the rate the other
        // nodes take them, because a write does not wait for it past W. If the queue drained one batch per call that
        // comes back, it would grow without end, its calls would expire after the node timeout and the node's circuit
        // would open and close again and again; all of it goes as soon as a call comes back instead.
        var channel = new HeldChannel();
        var batcher = new ScriptBatcher(channel, LuaScript.ValueWrite, maxBatch: 4, maxInFlight: 1, maxWait: TimeSpan.FromMinutes(1));

        var first = batcher.EvaluateAsync(["k0"], ["a"]);
        var waiting = new List<Task<RedisResult>>();
        for (var i = 1; i <= 10; i++)
        {
            waiting.Add(batcher.EvaluateAsync(["k" + i], ["a"]));
        }

        channel.Calls[0].SetResult(RedisResult.Create((RedisValue)"ok"));
        await first;

        // 10 waiting calls, batches of 4: three batch calls, sent together.
        await channel.WaitForCallsAsync(4);
        Assert.Equal(["k1", "k2", "k3", "k4"], channel.Keys[1]);
        Assert.Equal(["k5", "k6", "k7", "k8"], channel.Keys[2]);
        Assert.Equal(["k9", "k10"], channel.Keys[3]);
        for (var c = 1; c <= 3; c++)
        {
            var size = channel.Keys[c].Length;
            var replies = new RedisResult[size];
            for (var r = 0; r < size; r++)
            {
                replies[r] = RedisResult.Create((RedisValue)channel.Keys[c][r]);
            }

            channel.Calls[c].SetResult(RedisResult.Create(replies));
        }

        for (var i = 0; i < waiting.Count; i++)
        {
            Assert.Equal("k" + (i + 1), (string?)await waiting[i]);
        }

        // Every slot is free again: the next call goes at once, alone.
        var next = batcher.EvaluateAsync(["k11"], ["a"]);
        await channel.WaitForCallsAsync(5);
        Assert.Equal(["k11"], channel.Keys[4]);
        channel.Calls[4].SetResult(RedisResult.Create((RedisValue)"ok"));
        Assert.Equal("ok", (string?)await next);
    }

    /// <summary>Records every call and completes it only when the test sets its result.</summary>
    private sealed class HeldChannel : INodeChannel
    {
        public List<TaskCompletionSource<RedisResult>> Calls { get; } = [];

        public List<string[]> Keys { get; } = [];

        public Task<RedisResult> EvaluateAsync(LuaScript script, RedisKey[] keys, RedisValue[] values)
        {
            var call = new TaskCompletionSource<RedisResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (Calls)
            {
                Calls.Add(call);
                Keys.Add(Array.ConvertAll(keys, k => (string)k!));
            }

            return call.Task;
        }

        /// <summary>The queue sends from the completed call's continuation, on another thread: waits for it (bounded).</summary>
        public async Task WaitForCallsAsync(int count)
        {
            for (var i = 0; i < 500 && Count() < count; i++)
            {
                await Task.Delay(10);
            }

            Assert.Equal(count, Count());

            int Count()
            {
                lock (Calls)
                {
                    return Calls.Count;
                }
            }
        }

        public Task LoadAsync(LuaScript script) => Task.CompletedTask;

        public Task PingAsync() => Task.CompletedTask;
    }
}
