using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis.Benchmarks;

/// <summary>
/// Side channel to the benchmark's redis-servers, outside the SDK: memory and command counters from INFO, key counts,
/// and the servers' CPU time from /proc. Nothing it does touches the replicated data.
/// </summary>
internal sealed class RedisNodeProbe : IAsyncDisposable
{
    private readonly ConnectionMultiplexer[] _connections;
    private readonly IReadOnlyList<int> _pids;

    private RedisNodeProbe(ConnectionMultiplexer[] connections, IReadOnlyList<int> pids)
    {
        _connections = connections;
        _pids = pids;
    }

    public static async Task<RedisNodeProbe> ConnectAsync(RedisServers servers)
    {
        var connections = new ConnectionMultiplexer[servers.EndPoints.Count];
        for (var i = 0; i < connections.Length; i++)
        {
            var config = ConfigurationOptions.Parse(servers.EndPoints[i]);
            config.ClientName = "anarchoredis-bench-probe";
            config.AllowAdmin = true; // INFO is an admin command to StackExchange.Redis
            config.AsyncTimeout = config.SyncTimeout = 30_000;
            connections[i] = await ConnectionMultiplexer.ConnectAsync(config).ConfigureAwait(false);
        }

        return new RedisNodeProbe(connections, servers.ProcessIds);
    }

    /// <summary><c>used_memory</c> of every node (bytes the allocator handed out: data, indexes, buffers, script cache).</summary>
    public Task<long[]> UsedMemoryAsync() => InfoFieldAsync("memory", "used_memory");

    /// <summary><c>total_commands_processed</c> of every node: a script call counts once, and so does every command it runs.</summary>
    public Task<long[]> CommandsProcessedAsync() => InfoFieldAsync("stats", "total_commands_processed");

    /// <summary>Script calls (EVALSHA and EVAL) of every node, from INFO commandstats: round trips that ran a script.</summary>
    public async Task<long[]> ScriptCallsAsync()
    {
        var texts = await Task.WhenAll(_connections.Select(async c => (string?)await c.GetDatabase().ExecuteAsync("INFO", "commandstats").ConfigureAwait(false))).ConfigureAwait(false);
        return Array.ConvertAll(texts, text =>
        {
            var calls = 0L;
            foreach (var line in (text ?? string.Empty).Split('\n'))
            {
                if (line.StartsWith("cmdstat_evalsha:calls=", StringComparison.Ordinal) || line.StartsWith("cmdstat_eval:calls=", StringComparison.Ordinal))
                {
                    var start = line.IndexOf('=', StringComparison.Ordinal) + 1;
                    var end = line.IndexOf(',', start);
                    calls += long.Parse(line.AsSpan(start, end - start), CultureInfo.InvariantCulture);
                }
            }

            return calls;
        });
    }

    public async Task<long[]> DbSizeAsync() =>
        await Task.WhenAll(_connections.Select(async c => (long)await c.GetDatabase().ExecuteAsync("DBSIZE").ConfigureAwait(false))).ConfigureAwait(false);

    /// <summary>Every node's copy of one key, as text: its meta hash, its slot index entry and its slot's digest.</summary>
    public async Task<string[]> KeyStateAsync(RedisKey metaKey, RedisKey indexKey, RedisKey digestKey, string key) =>
        await Task.WhenAll(_connections.Select(async c =>
        {
            var db = c.GetDatabase();
            var meta = await db.HashGetAllAsync(metaKey).ConfigureAwait(false);
            var entry = await db.HashGetAsync(indexKey, key).ConfigureAwait(false);
            var digest = await db.HashGetAllAsync(digestKey).ConfigureAwait(false);
            static string Fields(HashEntry[] fields) => string.Join(", ", fields.OrderBy(f => (string?)f.Name, StringComparer.Ordinal).Select(f => $"{f.Name}={f.Value}"));
            return $"meta {{{Fields(meta)}}}, index entry {(entry.IsNull ? "(none)" : entry.ToString())}, digest {{{Fields(digest)}}}";
        })).ConfigureAwait(false);

    /// <summary>The summed CPU time of the redis-server processes (from /proc; 10 ms granularity on Linux).</summary>
    public TimeSpan ServerCpu()
    {
        var total = TimeSpan.Zero;
        foreach (var pid in _pids)
        {
            using var server = Process.GetProcessById(pid);
            total += server.TotalProcessorTime;
        }

        return total;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
            connection.Dispose();
        }
    }

    private async Task<long[]> InfoFieldAsync(string section, string field)
    {
        var texts = await Task.WhenAll(_connections.Select(async c => (string?)await c.GetDatabase().ExecuteAsync("INFO", section).ConfigureAwait(false))).ConfigureAwait(false);
        return Array.ConvertAll(texts, text =>
        {
            foreach (var line in (text ?? string.Empty).Split('\n'))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0 && line.AsSpan(0, colon).SequenceEqual(field))
                {
                    return long.Parse(line.AsSpan(colon + 1).Trim(), CultureInfo.InvariantCulture);
                }
            }

            throw new InvalidOperationException($"INFO {section} has no {field} field.");
        });
    }
}
