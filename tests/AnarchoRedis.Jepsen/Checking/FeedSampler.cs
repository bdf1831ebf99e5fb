using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis.Jepsen.Checking;

/// <summary>
/// Samples the feed workload's bookkeeping while it runs: every <see cref="Interval"/>, on every node directly (its own
/// port, not the proxy), the length of each feed, the entries of its element-tombstone hash and the fields of its meta
/// hash (LLEN and two HLEN, one round trip per node). A node that is down, paused or busy is skipped for that round.
/// </summary>
public sealed class FeedSampler : IAsyncDisposable
{
    private readonly List<(string Name, string EndPoint)> _nodes;
    private readonly IReadOnlyList<string> _keys;
    private readonly List<FeedObservation> _samples = new();
    private readonly Dictionary<string, ConnectionMultiplexer> _connections = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public FeedSampler(IEnumerable<(string Name, string EndPoint)> nodes, IReadOnlyList<string> keys)
    {
        _nodes = nodes.ToList();
        _keys = keys;
    }

    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The samples taken so far.</summary>
    public IReadOnlyList<FeedObservation> Samples
    {
        get
        {
            lock (_samples)
            {
                return _samples.ToList();
            }
        }
    }

    public void Start() => _loop = Task.Run(() => LoopAsync(_stop.Token));

    /// <summary>Stops sampling and returns every sample.</summary>
    public async Task<IReadOnlyList<FeedObservation>> StopAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        return Samples;
    }

    private async Task LoopAsync(CancellationToken stop)
    {
        var options = new AnarchoRedisOptions();
        while (!stop.IsCancellationRequested)
        {
            await Task.WhenAll(_nodes.Select(n => SampleAsync(n.Name, n.EndPoint, options)));
            try
            {
                await Task.Delay(Interval, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task SampleAsync(string name, string endPoint, AnarchoRedisOptions options)
    {
        try
        {
            ConnectionMultiplexer? mux;
            lock (_connections)
            {
                _connections.TryGetValue(name, out mux);
            }

            if (mux is null)
            {
                var config = ConfigurationOptions.Parse(endPoint);
                config.AbortOnConnectFail = false;
                config.ConnectTimeout = 1000;
                config.SyncTimeout = config.AsyncTimeout = 1000;
                mux = await ConnectionMultiplexer.ConnectAsync(config);
                lock (_connections)
                {
                    _connections[name] = mux;
                }
            }

            var db = mux.GetDatabase();
            var at = History.HistoryFile.Now();
            var batch = db.CreateBatch();
            var reads = _keys.Select(k => (
                Key: k,
                Length: batch.ListLengthAsync(k),
                Tombstones: batch.HashLengthAsync($"{options.ListTombstonePrefix}{{{k}}}"),
                Meta: batch.HashLengthAsync($"{options.MetaKeyPrefix}{{{k}}}"))).ToList();
            batch.Execute();
            var rows = new List<FeedObservation>();
            foreach (var r in reads)
            {
                rows.Add(new FeedObservation(name, r.Key, at, await r.Length, await r.Tombstones, await r.Meta));
            }

            lock (_samples)
            {
                _samples.AddRange(rows);
            }
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Down, paused, busy or loading: nothing to sample on this node this round.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }

        List<ConnectionMultiplexer> connections;
        lock (_connections)
        {
            connections = _connections.Values.ToList();
        }

        foreach (var mux in connections)
        {
            await mux.DisposeAsync();
        }

        _stop.Dispose();
    }
}
