using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// Records hints for writes a node missed: in memory (<see cref="HintStore"/>) and, with
/// <see cref="HintOptions.Durable"/>, in the node's hint stream on the other nodes. Recording waits for the write's
/// quorum decision (without ever delaying it), so a replay never runs before the nodes that acknowledged hold the write,
/// and a durable entry is queued on each connection behind the write itself.
/// </summary>
internal sealed class HintRecorder : IMissedWriteSink
{
    private static readonly RedisValue KeyField = "k";
    private static readonly RedisValue TypeField = "t";

    private readonly IReadOnlyList<ReplicaNode> _nodes;
    private readonly HintOptions _options;
    private readonly HintMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<Task, byte> _appending = new();

    public HintRecorder(IReadOnlyList<ReplicaNode> nodes, HintOptions options, Meter meter, ILogger logger)
    {
        _nodes = nodes;
        _options = options;
        _logger = logger;
        Store = new HintStore(nodes.Count, options.MaxPerNode);
        _metrics = new HintMetrics(meter, Pending);
    }

    public HintStore Store { get; }

    public HintOptions Options => _options;

    public HintMetrics Metrics => _metrics;

    /// <summary>The durable hint stream of a node.</summary>
    public RedisKey StreamKey(ReplicaNode target) => _options.StreamPrefix + target.Name;

    /// <summary>
    /// Records that <paramref name="missed"/> did not acknowledge a write of <paramref name="key"/>, once
    /// <paramref name="decision"/> (the write's quorum decision) has completed. A node that refused because of the data
    /// it holds (<see cref="NodeDataException"/>) gets no hint: a replay would not overwrite that data either, anti-entropy
    /// reports it.
    /// </summary>
    public void Record(ReplicaNode missed, string key, string typeName, Exception? error, Task decision)
    {
        if (error is NodeDataException)
        {
            return;
        }

        if (decision.IsCompleted)
        {
            RecordNow(missed, key, typeName);
            return;
        }

        decision.ContinueWith(
            static (_, state) =>
            {
                var (recorder, node, key, typeName) = ((HintRecorder, ReplicaNode, string, string))state!;
                recorder.RecordNow(node, key, typeName);
            },
            (this, missed, key, typeName),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void RecordNow(ReplicaNode missed, string key, string typeName)
    {
        switch (Store.Add(missed.Index, key, typeName))
        {
            case HintAddResult.Added:
                _metrics.Recorded(missed.Name, "memory");
                break;
            case HintAddResult.Dropped:
                _metrics.Dropped(missed.Name);
                var dropped = Store.Dropped(missed.Index);
                if (dropped == 1 || dropped % 10_000 == 0)
                {
                    Log.HintDropped(_logger, missed.Name, _options.MaxPerNode, key, dropped);
                }

                break;
        }

        if (_options.Durable)
        {
            var append = AppendAsync(missed, key, typeName);
            if (!append.IsCompleted)
            {
                _appending.TryAdd(append, 0);
                append.ContinueWith(static (t, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(t, out _), _appending, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    /// <summary>Appends the hint to the missed node's stream on every other node (those down fail fast; nothing is retried).</summary>
    private async Task AppendAsync(ReplicaNode missed, string key, string typeName)
    {
        var stream = StreamKey(missed);
        NameValueEntry[] fields = [new(KeyField, key), new(TypeField, typeName)];
        var holders = _nodes.Where(n => n.Index != missed.Index).Select(async holder =>
        {
            try
            {
                await holder.Database.StreamAddAsync(stream, fields, maxLength: _options.MaxPerNode, useApproximateMaxLength: true).ConfigureAwait(false);
                _metrics.Recorded(missed.Name, "durable");
            }
            catch (Exception ex)
            {
                Log.DurableHintFailed(_logger, missed.Name, key, holder.Name, ex);
            }
        });
        await Task.WhenAll(holders).ConfigureAwait(false);
    }

    /// <summary>Waits (at most <paramref name="limit"/>) for durable appends in flight, so a client disposed right after a write keeps them.</summary>
    public async Task FlushAsync(TimeSpan limit)
    {
        var pending = _appending.Keys.ToArray();
        if (pending.Length == 0)
        {
            return;
        }

        try
        {
            await Task.WhenAll(pending).WaitAsync(limit).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A node that does not answer keeps the client no longer; the memory hints die with it anyway.
        }
    }

    private IEnumerable<Measurement<long>> Pending()
    {
        for (var i = 0; i < _nodes.Count; i++)
        {
            yield return new Measurement<long>(Store.Pending(i), new KeyValuePair<string, object?>("node", _nodes[i].Name));
        }
    }
}
