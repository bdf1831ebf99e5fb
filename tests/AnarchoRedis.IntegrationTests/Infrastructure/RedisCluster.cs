using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.Testing;
using Xunit;

namespace AnarchoRedis.IntegrationTests.Infrastructure;

/// <summary>
/// N independent redis-server nodes (default 3) for one test or test class, with clients wired to them and direct
/// access to each node's keys: a <see cref="LocalCluster"/> without proxies (clients talk to the nodes directly), plus
/// the protocol-level views these tests need. Disposing it disposes every client it made and stops every node.
/// </summary>
public sealed class RedisCluster : IAsyncLifetime, IAsyncDisposable
{
    /// <summary>
    /// The node timeout of clients made here. Dead nodes fail at once (connection refused) and hung ones do not hold
    /// up a quorum, so no test waits for it; 500 ms gave false timeouts on all three healthy nodes at once when the
    /// 2-core machine ran at load 7, hence 2 s.
    /// </summary>
    public static readonly TimeSpan DefaultNodeTimeout = TimeSpan.FromSeconds(2);

    private readonly int _nodeCount;
    private LocalCluster? _cluster;
    private readonly List<AnarchoRedisClient> _clients = [];

    /// <summary>Creates a 3-node cluster (started by <see cref="InitializeAsync"/>, for xunit fixtures).</summary>
    public RedisCluster()
        : this(3)
    {
    }

    /// <summary>Creates a cluster of <paramref name="nodeCount"/> nodes (started by <see cref="InitializeAsync"/>).</summary>
    /// <param name="nodeCount">N.</param>
    internal RedisCluster(int nodeCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodeCount, 1);
        _nodeCount = nodeCount;
    }

    /// <summary>The nodes, in the order clients list them.</summary>
    public IReadOnlyList<LocalNode> Nodes => _cluster?.Nodes ?? [];

    /// <summary>Node <paramref name="index"/>.</summary>
    /// <param name="index">0-based.</param>
    public LocalNode this[int index] => Nodes[index];

    /// <summary>Starts a cluster of <paramref name="nodeCount"/> nodes.</summary>
    /// <param name="nodeCount">N.</param>
    /// <returns>The running cluster.</returns>
    public static async Task<RedisCluster> StartAsync(int nodeCount = 3)
    {
        var cluster = new RedisCluster(nodeCount);
        try
        {
            await cluster.InitializeAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        // No proxies: these tests fault nodes by process (kill, pause, restart), and talk to them at full speed.
        _cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = _nodeCount, Proxies = false });
    }

    /// <summary>Options for a client of this cluster: all nodes (or <paramref name="nodes"/>), short timeouts.</summary>
    /// <param name="configure">Further settings, or <see langword="null"/>.</param>
    /// <param name="nodes">The indexes of the nodes the client knows, or <see langword="null"/> for all of them.</param>
    /// <returns>The options.</returns>
    public AnarchoRedisOptions CreateOptions(Action<AnarchoRedisOptions>? configure = null, IEnumerable<int>? nodes = null)
    {
        var options = new AnarchoRedisOptions
        {
            NodeTimeout = DefaultNodeTimeout,
            ConnectTimeout = TimeSpan.FromSeconds(2),
        };
        foreach (var index in nodes ?? Enumerable.Range(0, Nodes.Count))
        {
            options.Nodes.Add(Nodes[index].EndPoint);
        }

        configure?.Invoke(options);
        return options;
    }

    /// <summary>A client of this cluster, disposed with it.</summary>
    /// <param name="configure">Further settings, or <see langword="null"/>.</param>
    /// <param name="time">The client's clock, or <see langword="null"/> for the system clock.</param>
    /// <param name="nodes">
    /// The indexes of the nodes this client knows, or <see langword="null"/> for all. A client that knows only some
    /// nodes is how a test makes a write that never reaches the others (a client partitioned from them).
    /// </param>
    /// <returns>The connected client.</returns>
    public async Task<AnarchoRedisClient> CreateClientAsync(Action<AnarchoRedisOptions>? configure = null, TimeProvider? time = null, IEnumerable<int>? nodes = null)
    {
        var client = await AnarchoRedisClient.ConnectAsync(CreateOptions(configure, nodes), timeProvider: time);
        lock (_clients)
        {
            _clients.Add(client);
        }

        return client;
    }

    /// <summary>Synchronous <see cref="CreateClientAsync"/>.</summary>
    /// <param name="configure">Further settings, or <see langword="null"/>.</param>
    /// <param name="time">The client's clock, or <see langword="null"/>.</param>
    /// <returns>The connected client.</returns>
    public AnarchoRedisClient CreateClient(Action<AnarchoRedisOptions>? configure = null, TimeProvider? time = null) =>
        CreateClientAsync(configure, time).GetAwaiter().GetResult();

    /// <summary>
    /// The meta key the protocol names for <paramref name="key"/>, written out independently of the library:
    /// <c>anrcho_version:user:{1}</c> for a key with a hash tag, <c>anrcho_version:{user:1}</c> without one.
    /// </summary>
    /// <param name="key">The logical key.</param>
    /// <returns>The meta key.</returns>
    public static string MetaKeyOf(string key)
    {
        var open = key.IndexOf('{', StringComparison.Ordinal);
        var hasTag = open >= 0 && key.IndexOf('}', open + 1) > open + 1;
        return hasTag ? AnarchoRedisOptions.DefaultMetaKeyPrefix + key : AnarchoRedisOptions.DefaultMetaKeyPrefix + "{" + key + "}";
    }

    /// <summary>The raw bytes of the data key on one node, or <see langword="null"/> when absent.</summary>
    /// <param name="node">The node index.</param>
    /// <param name="key">The logical key.</param>
    /// <returns>The bytes.</returns>
    public async Task<byte[]?> DataAsync(int node, string key) => (byte[]?)await Nodes[node].Db.StringGetAsync(key);

    /// <summary>The meta hash of a key on one node (empty when absent).</summary>
    /// <param name="node">The node index.</param>
    /// <param name="key">The logical key.</param>
    /// <returns>Field to value.</returns>
    public async Task<Dictionary<string, string>> MetaAsync(int node, string key)
    {
        var entries = await Nodes[node].Db.HashGetAllAsync(MetaKeyOf(key));
        return entries.ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
    }

    /// <summary>
    /// How many keys a node holds besides its own epoch key (which the library writes on every node at connect): 0 means
    /// nothing was written to it.
    /// </summary>
    public static async Task<long> KeyCountAsync(LocalNode node)
    {
        var size = await node.Server.DatabaseSizeAsync();
        return await node.Db.KeyExistsAsync(AntiEntropy.NodeDump.EpochKey) ? size - 1 : size;
    }

    /// <summary>Resets every node's command statistics (<c>CONFIG RESETSTAT</c>).</summary>
    public async Task ResetStatsAsync()
    {
        foreach (var node in Nodes)
        {
            await node.Server.ConfigResetStatisticsAsync();
        }
    }

    /// <summary>
    /// One node's command statistics since the last reset, by command (Redis 7 <c>INFO commandstats</c>:
    /// <c>cmdstat_evalsha:calls=3,usec=..,rejected_calls=0,failed_calls=1</c>).
    /// </summary>
    /// <param name="node">The node index.</param>
    /// <returns>Command (lower case, as Redis names it) to its counts.</returns>
    public async Task<Dictionary<string, CommandStat>> CommandStatsAsync(int node)
    {
        var raw = await Nodes[node].Server.InfoRawAsync("commandstats") ?? string.Empty;
        var stats = new Dictionary<string, CommandStat>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in raw.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!line.StartsWith("cmdstat_", StringComparison.Ordinal))
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var fields = line[(colon + 1)..].Split(',').Select(f => f.Split('=', 2)).Where(f => f.Length == 2)
                .ToDictionary(f => f[0], f => long.TryParse(f[1], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0);
            stats[line["cmdstat_".Length..colon]] = new CommandStat(
                fields.GetValueOrDefault("calls"),
                fields.GetValueOrDefault("failed_calls"),
                fields.GetValueOrDefault("rejected_calls"));
        }

        return stats;
    }

    /// <summary>The stored version (meta field <c>v</c>) of a key on one node, or <see langword="null"/>.</summary>
    /// <param name="node">The node index.</param>
    /// <param name="key">The logical key.</param>
    /// <returns>The 32-hex-digit version.</returns>
    public async Task<string?> VersionAsync(int node, string key) => await Nodes[node].Db.HashGetAsync(MetaKeyOf(key), "v");

    /// <summary>What every node holds for a key: (version, data) per node, for convergence checks.</summary>
    /// <param name="key">The logical key.</param>
    /// <returns>One entry per node.</returns>
    public async Task<(string? Version, byte[]? Data)[]> ReplicasAsync(string key)
    {
        var result = new (string?, byte[]?)[Nodes.Count];
        for (var i = 0; i < Nodes.Count; i++)
        {
            result[i] = (await VersionAsync(i, key), await DataAsync(i, key));
        }

        return result;
    }

    /// <inheritdoc />
    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();

    /// <summary>Disposes every client made here and stops every node (by pid).</summary>
    /// <returns>A task that completes when done.</returns>
    public async ValueTask DisposeAsync()
    {
        AnarchoRedisClient[] clients;
        lock (_clients)
        {
            clients = [.. _clients];
            _clients.Clear();
        }

        // Nodes first: a client closing its connections must not wait on a paused node.
        var cluster = _cluster;
        _cluster = null;
        try
        {
            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }
}

/// <summary>One command's counts in <c>INFO commandstats</c>.</summary>
public readonly record struct CommandStat(long Calls, long Failed, long Rejected);
