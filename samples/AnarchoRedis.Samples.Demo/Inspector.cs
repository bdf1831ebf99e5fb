using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis.Samples.Demo;

/// <summary>What one node's meta key says about a key (<c>anrcho_version:{key}</c>): its version, and for lists the count and digest.</summary>
/// <param name="Version">The version, 32 hex digits.</param>
/// <param name="Tombstone">Whether the key was deleted at that version.</param>
/// <param name="Count">Lists: the element count.</param>
/// <param name="Digest">Lists: the digest of the live element ids.</param>
internal sealed record MetaState(string Version, bool Tombstone, string? Count, string? Digest);

/// <summary>
/// Looks at the nodes directly (one plain StackExchange.Redis connection per node, no AnarchoRedis and no proxy in
/// between), so the demo shows what each node really holds.
/// </summary>
internal sealed class Inspector : IAsyncDisposable
{
    private static readonly RedisValue[] MetaFields = ["v", "t", "c", "h"];

    private readonly ConnectionMultiplexer[] _connections;

    private Inspector(ConnectionMultiplexer[] connections) => _connections = connections;

    /// <param name="timeoutMs">Per-command timeout: 1 s for the table's reads; longer for the Lua self-check, whose first
    /// script makes Garnet start its Lua runtime (seconds on a busy machine).</param>
    public static async Task<Inspector> ConnectAsync(IReadOnlyList<IDemoNode> nodes, int timeoutMs = 1000)
    {
        var connections = await Task.WhenAll(nodes.Select(n =>
        {
            var config = ConfigurationOptions.Parse(n.DirectEndPoint);
            config.AbortOnConnectFail = false;
            config.BacklogPolicy = BacklogPolicy.FailFast;
            config.ConnectTimeout = 2000;
            config.SyncTimeout = config.AsyncTimeout = timeoutMs;
            config.ClientName = "anarchoredis-demo-inspector";
            return ConnectionMultiplexer.ConnectAsync(config);
        })).ConfigureAwait(false);
        return new Inspector(connections);
    }

    public IDatabase Database(int index) => _connections[index].GetDatabase();

    public IServer Server(int index) => _connections[index].GetServer(_connections[index].GetEndPoints()[0]);

    /// <summary>The meta key of one key on one node: null when the node has none, or throws <see cref="RedisException"/>.</summary>
    public async Task<MetaState?> MetaAsync(int index, string metaKey)
    {
        var fields = await Database(index).HashGetAsync(metaKey, MetaFields).ConfigureAwait(false);
        return fields[0].IsNull ? null : new MetaState(fields[0]!, fields[1] == "1", fields[2], fields[3]);
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

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
            connection.Dispose();
        }
    }
}
