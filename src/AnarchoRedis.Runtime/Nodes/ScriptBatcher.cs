using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// Coalesces the calls of one script to one node: while <c>maxInFlight</c> calls of it are on their way, further calls
/// wait, and when one comes back the waiting ones go together as one call of the script's batch form
/// (<see cref="LuaScript.Batch"/>), which runs each in turn, atomically each, and returns one reply per call (more than
/// <c>maxBatch</c> waiting go at once as several batches, so that a node that fell behind catches up). A call made
/// while a slot is free goes at once, alone, as today: coalescing adds no wait when the node keeps up, and under load
/// the per-call cost of Lua dispatch, reply framing and the client's continuations is paid once per batch.
/// Each call gets exactly the reply (or the exception) it would have had alone: a failure of the whole batch call
/// (timeout, connection lost) is every call's failure, an error raised inside one call is that call's alone. A call
/// that waited longer than the node timeout is not sent: it fails with a <see cref="TimeoutException"/> (a node that
/// does not answer would otherwise hold every call made to it meanwhile, released one batch per timeout).
/// </summary>
internal sealed class ScriptBatcher
{
    private readonly INodeChannel _channel;
    private readonly LuaScript _script;
    private readonly LuaScript _batch;
    private readonly int _maxBatch;
    private readonly int _maxInFlight;
    private readonly long _maxWaitTicks;
    private readonly TimeSpan _maxWait;
    private readonly Lock _gate = new();
    private readonly Action<Task<RedisResult>> _onSingleDone;
    private List<Pending>? _waiting;
    private int _inFlight;

    public ScriptBatcher(INodeChannel channel, LuaScript script, int maxBatch, int maxInFlight, TimeSpan maxWait)
    {
        _maxWait = maxWait;
        _maxWaitTicks = (long)(maxWait.TotalSeconds * Stopwatch.Frequency);
        _channel = channel;
        _script = script;
        _batch = script.Batch ?? throw new ArgumentException($"{script.Name} has no batch form.", nameof(script));
        _maxBatch = maxBatch;
        _maxInFlight = maxInFlight;
        _onSingleDone = _ => Drain();
    }

    private long _batches;
    private long _batched;

    /// <summary>How many batch calls (of two or more) were sent; for tests and benchmarks.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>How many calls went in batches.</summary>
    public long Batched => Interlocked.Read(ref _batched);

    public Task<RedisResult> EvaluateAsync(RedisKey[] keys, RedisValue[] args)
    {
        lock (_gate)
        {
            if (_inFlight >= _maxInFlight)
            {
                var pending = new Pending(keys, args);
                (_waiting ??= []).Add(pending);
                return pending.Source.Task;
            }

            _inFlight++;
        }

        Task<RedisResult> task;
        try
        {
            task = _channel.EvaluateAsync(_script, keys, args);
        }
        catch
        {
            // Thrown before anything was sent (a disposed connection): the slot is free again.
            Drain();
            throw;
        }

        task.ContinueWith(_onSingleDone, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return task;
    }

    /// <summary>
    /// A call came back: its slot takes the calls that waited (the first batch of them; further batches take slots of
    /// their own), or is freed. Calls that waited longer than the node timeout fail unsent.
    /// </summary>
    private void Drain()
    {
        List<Pending>? next = null;
        List<List<Pending>>? more = null;
        List<Pending>? expired = null;
        lock (_gate)
        {
            if (_waiting is { Count: > 0 } waiting)
            {
                // The queue is in arrival order: the calls that waited too long are a prefix of it.
                var now = Stopwatch.GetTimestamp();
                var stale = 0;
                while (stale < waiting.Count && now - waiting[stale].Enqueued > _maxWaitTicks)
                {
                    stale++;
                }

                if (stale > 0)
                {
                    expired = waiting.GetRange(0, stale);
                    waiting.RemoveRange(0, stale);
                }

                if (waiting.Count > 0)
                {
                    // The whole queue goes now, in batches, each beyond the first taking a slot of its own. One batch
                    // per returning call drains slower than a node that fell behind gets calls (a write does not wait
                    // for it past W): its queue grew until its calls expired, and its circuit opened and closed for
                    // 25 s after a 12 s pause. A bound on the extra slots brought that back (4 or 16 times
                    // MaxCallsInFlightPerNode: 14-28 s, measured), so there is none: what is on its way to a node is at
                    // most what was made for it within one node timeout, as without coalescing.
                    next = waiting.Count <= _maxBatch ? waiting : waiting.GetRange(0, _maxBatch);
                    for (var start = _maxBatch; start < waiting.Count; start += _maxBatch)
                    {
                        (more ??= []).Add(waiting.GetRange(start, Math.Min(_maxBatch, waiting.Count - start)));
                        _inFlight++;
                    }
                }

                _waiting = null;
            }

            if (next is null)
            {
                _inFlight--;
            }
        }

        if (expired is not null)
        {
            var error = new TimeoutException($"The call waited more than the node timeout ({_maxWait.TotalMilliseconds:0} ms) behind calls the node had not answered, and was not sent.");
            foreach (var call in expired)
            {
                call.Source.SetException(error);
            }
        }

        if (next is not null)
        {
            _ = SendAsync(next);
        }

        if (more is not null)
        {
            foreach (var batch in more)
            {
                _ = SendAsync(batch);
            }
        }
    }

    private async Task SendAsync(List<Pending> calls)
    {
        try
        {
            if (calls.Count == 1)
            {
                var call = calls[0];
                try
                {
                    call.Source.SetResult(await _channel.EvaluateAsync(_script, call.Keys, call.Args).ConfigureAwait(false));
                }
                catch (Exception ex)
                {
                    call.Source.SetException(ex);
                }

                return;
            }

            var (keys, args) = Pack(calls);
            // Counted atomically: with more than one call in flight, two batches can be sent at once.
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _batched, calls.Count);
            RedisResult reply;
            try
            {
                try
                {
                    reply = await _channel.EvaluateAsync(_batch, keys, args).ConfigureAwait(false);
                }
                catch (RedisServerException ex) when (ReplicaNode.IsNoScript(ex))
                {
                    await _channel.LoadAsync(_batch).ConfigureAwait(false);
                    reply = await _channel.EvaluateAsync(_batch, keys, args).ConfigureAwait(false);
                }
            }
            catch (Exception ex)
            {
                foreach (var call in calls)
                {
                    call.Source.SetException(ex);
                }

                return;
            }

            Unpack(calls, reply);
        }
        finally
        {
            Drain();
        }
    }

    /// <summary>
    /// KEYS: every call's keys in turn. ARGV: the number of calls n, then each call's key and argument counts, then every
    /// call's arguments in turn (LuaScript's batch driver reads them so).
    /// </summary>
    private static (RedisKey[] Keys, RedisValue[] Args) Pack(List<Pending> calls)
    {
        int keyCount = 0, argCount = 1 + (2 * calls.Count);
        foreach (var call in calls)
        {
            keyCount += call.Keys.Length;
            argCount += call.Args.Length;
        }

        var keys = new RedisKey[keyCount];
        var args = new RedisValue[argCount];
        args[0] = calls.Count;
        int k = 0, a = 1 + (2 * calls.Count);
        for (var i = 0; i < calls.Count; i++)
        {
            var call = calls[i];
            args[1 + (2 * i)] = call.Keys.Length;
            args[2 + (2 * i)] = call.Args.Length;
            call.Keys.CopyTo(keys, k);
            call.Args.CopyTo(args, a);
            k += call.Keys.Length;
            a += call.Args.Length;
        }

        return (keys, args);
    }

    /// <summary>One reply per call; a call whose script raised an error gets it as the exception it would have had alone.</summary>
    private static void Unpack(List<Pending> calls, RedisResult reply)
    {
        var replies = (RedisResult[]?)reply;
        for (var i = 0; i < calls.Count; i++)
        {
            var call = calls[i];
            if (replies is null || i >= replies.Length)
            {
                call.Source.SetException(new RedisException($"The batch reply has {replies?.Length ?? 0} entries for {calls.Count} calls."));
            }
            else if (replies[i].Resp2Type == ResultType.Array && replies[i].Length == 2 && (RedisResult[])replies[i]! is [{ Resp2Type: ResultType.Integer } code, var message] && (long)code == LuaScript.BatchErrorCode)
            {
                call.Source.SetException(new RedisServerException(RedisErrorKind.UnknownError, CommandFlags.None, (string?)message ?? "ERR the script failed"));
            }
            else
            {
                call.Source.SetResult(replies[i]);
            }
        }
    }

    private sealed class Pending(RedisKey[] keys, RedisValue[] args)
    {
        public long Enqueued { get; } = Stopwatch.GetTimestamp();

        public RedisKey[] Keys { get; } = keys;

        public RedisValue[] Args { get; } = args;

        public TaskCompletionSource<RedisResult> Source { get; } = new();
    }
}
