using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using MessagePack;
using StackExchange.Redis;

namespace AnarchoRedis.Samples.Demo;

/// <summary>
/// Looks at the nodes directly (one plain StackExchange.Redis connection per node, no AnarchoRedis in between),
/// so the demo can show what each node really holds.
/// </summary>
internal sealed class Inspector : IAsyncDisposable
{
    public static readonly string[] MetaFields = ["v", "t", "d", "x", "k", "n"];

    private readonly IReadOnlyList<IDemoNode> _nodes;
    private readonly ConnectionMultiplexer[] _connections;

    private Inspector(IReadOnlyList<IDemoNode> nodes, ConnectionMultiplexer[] connections)
    {
        _nodes = nodes;
        _connections = connections;
    }

    public static async Task<Inspector> ConnectAsync(IReadOnlyList<IDemoNode> nodes)
    {
        var connections = await Task.WhenAll(nodes.Select(n =>
        {
            var config = ConfigurationOptions.Parse(n.EndPoint);
            config.AbortOnConnectFail = false;
            config.BacklogPolicy = BacklogPolicy.FailFast;
            config.ConnectTimeout = 2000;
            config.SyncTimeout = config.AsyncTimeout = 1000;
            config.ClientName = "anarchoredis-demo-inspector";
            return ConnectionMultiplexer.ConnectAsync(config);
        })).ConfigureAwait(false);
        return new Inspector(nodes, connections);
    }

    public IDatabase Database(int index) => _connections[index].GetDatabase();

    public bool IsConnected(int index) => _connections[index].IsConnected;

    /// <summary>One line per node: the raw data key and the meta hash of <paramref name="key"/>.</summary>
    public async Task ShowAsync(string key, string metaKey)
    {
        for (var i = 0; i < _nodes.Count; i++)
        {
            Console.WriteLine($"    node {i + 1} {_nodes[i].EndPoint,-16} {await DescribeAsync(i, key, metaKey).ConfigureAwait(false)}");
        }
    }

    public async Task<string> DescribeAsync(int index, string key, string metaKey)
    {
        if (!_nodes[index].IsRunning)
        {
            return "(down)";
        }

        try
        {
            var db = Database(index);
            var data = await db.StringGetAsync(key).ConfigureAwait(false);
            var meta = await db.HashGetAsync(metaKey, MetaFields.Select(f => (RedisValue)f).ToArray()).ConfigureAwait(false);
            var dataText = data.IsNull ? "(nil)" : MessagePackSerializer.ConvertToJson((byte[])data!);
            var metaText = meta.All(m => m.IsNull)
                ? "(no meta key)"
                : string.Join(" ", MetaFields.Zip(meta, (f, v) => $"{f}={(v.IsNull ? "(nil)" : v.ToString())}"));
            return $"GET {key} = {dataText}\n{new string(' ', 26)}HMGET {metaKey} -> {metaText}";
        }
        catch (RedisException ex)
        {
            return $"(unreachable: {ex.GetType().Name})";
        }
    }

    /// <summary>Whether the direct connection to one node answers.</summary>
    public async Task<bool> PingAsync(int index)
    {
        try
        {
            await Database(index).PingAsync().ConfigureAwait(false);
            return true;
        }
        catch (RedisException)
        {
            return false;
        }
    }

    /// <summary>The raw version field of the meta key on one node, or null.</summary>
    public async Task<string?> VersionAsync(int index, string metaKey)
    {
        try
        {
            var v = await Database(index).HashGetAsync(metaKey, "v").ConfigureAwait(false);
            return v.IsNull ? null : v.ToString();
        }
        catch (RedisException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
            connection.Dispose();
        }
    }
}
