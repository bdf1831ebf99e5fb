using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO.Hashing;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>Read-only looks at the nodes for operators: each node's status, and each node's copy of one key.</summary>
public sealed partial class AnarchoRedisClient
{
    /// <summary>
    /// Asks every node, in parallel, for a PING, its epoch, its key count and its server version, next to the client's
    /// own view of it (<see cref="Health"/>). Sends no write. A node that does not answer within
    /// <see cref="AnarchoRedisOptions.NodeTimeout"/> is reported with its error; a command the node refuses (an ACL
    /// without INFO, say) leaves that field unknown.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting for the nodes.</param>
    /// <returns>One status per node, in the order of <see cref="Nodes"/>.</returns>
    public async Task<IReadOnlyList<NodeStatus>> DescribeNodesAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var nodes = _replicaSet.Nodes;
        return await Task.WhenAll(nodes.Select(node => DescribeAsync(node, cancellationToken))).ConfigureAwait(false);
    }

    private async Task<NodeStatus> DescribeAsync(ReplicaNode node, CancellationToken cancellationToken)
    {
        var health = node.HealthSnapshot();
        if (node.IsCluster)
        {
            return await DescribeClusterAsync(node, health, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var db = node.Database;
            // Sent together, each bounded by the node timeout (StackExchange.Redis's own), so a slow node costs one timeout.
            var started = Stopwatch.GetTimestamp();
            var ping = db.PingAsync();
            var epoch = Optional(db.HashGetAsync(Options.EpochKey, ["id", "state"]));
            // The server's version is what StackExchange.Redis learned when it connected (no admin command needed).
            var server = db.Multiplexer.GetServers().FirstOrDefault();
            var size = server is null ? Task.FromResult<long?>(null) : OptionalValue(server.DatabaseSizeAsync(db.Database));
            await ping.WaitAsync(cancellationToken).ConfigureAwait(false);
            var roundTrip = Stopwatch.GetElapsedTime(started);
            await Task.WhenAll(epoch, size).WaitAsync(cancellationToken).ConfigureAwait(false);
            var fields = epoch.Result;
            return new NodeStatus(
                node.Name,
                health,
                null,
                roundTrip,
                fields is null || fields[0].IsNull ? null : (string?)fields[0],
                fields is null || fields[1].IsNull ? null : (string?)fields[1],
                size.Result,
                server?.Version.ToString());
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or InvalidOperationException)
        {
            return new NodeStatus(node.Name, health, ex.Message, null, null, null, null, null);
        }
    }

    /// <summary>
    /// A node that is a Redis Cluster: every shard asked in parallel (DBSIZE, PING and the version have no key to route
    /// by, so each goes to its primary), and the node's fields summed up from the shards'.
    /// </summary>
    private async Task<NodeStatus> DescribeClusterAsync(ReplicaNode node, NodeHealthSnapshot health, CancellationToken cancellationToken)
    {
        IReadOnlyList<ReplicaShard> shards;
        try
        {
            shards = await node.KeylessShardsAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or NodeUnavailableException)
        {
            return new NodeStatus(node.Name, health, ex.Message, null, null, null, null, null);
        }

        var described = await Task.WhenAll(shards.Select(shard => DescribeShardAsync(node, shard, cancellationToken))).ConfigureAwait(false);
        var failed = described.FirstOrDefault(s => !s.Reachable);
        var versions = described.Select(s => s.ServerVersion).OfType<string>().Distinct(StringComparer.Ordinal).ToArray();
        return new NodeStatus(
            node.Name,
            health,
            failed is null ? null : $"shard {failed.EndPoint}: {failed.Error}",
            described.Max(s => s.RoundTrip),
            null,
            EpochStateOf(described.Select(s => s.EpochState)),
            described.All(s => s.Keys is not null) ? described.Sum(s => s.Keys!.Value) : null,
            versions.Length == 0 ? null : string.Join(", ", versions))
        {
            Shards = described,
        };
    }

    private async Task<ShardStatus> DescribeShardAsync(ReplicaNode node, ReplicaShard shard, CancellationToken cancellationToken)
    {
        var health = node.HealthOf(shard).Snapshot();
        try
        {
            // PING first, alone: behind the slot epoch reads it would time them, not the shard's round trip.
            var started = Stopwatch.GetTimestamp();
            await shard.Server.PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            var roundTrip = Stopwatch.GetElapsedTime(started);
            var size = OptionalValue(shard.Server.DatabaseSizeAsync());
            var epochs = SlotEpochStateAsync(node, shard, cancellationToken);
            await Task.WhenAll(size, epochs).WaitAsync(cancellationToken).ConfigureAwait(false);
            return new ShardStatus(shard.Name, shard.Slots, health, null, roundTrip, epochs.Result, size.Result, shard.Server.Version.ToString());
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return new ShardStatus(shard.Name, shard.Slots, health, ex.Message, null, null, null, null);
        }
    }

    /// <summary>
    /// The state of every slot epoch of a shard (one HMGET per slot, pipelined in windows, each routed to its slot's
    /// primary): <c>ready</c>, <c>filling</c>, or <see langword="null"/> when some slot holds none or cannot be read.
    /// </summary>
    private static async Task<string?> SlotEpochStateAsync(ReplicaNode node, ReplicaShard shard, CancellationToken cancellationToken)
    {
        const int Window = 1024;
        var keys = node.SlotEpochs!;
        var states = new List<string?>(shard.SlotCount);
        try
        {
            foreach (var window in shard.SlotNumbers().Chunk(Window))
            {
                var reads = window.Select(slot => node.Database.HashGetAsync(keys.Marker(slot), "state")).ToArray();
                await Task.WhenAll(reads).WaitAsync(cancellationToken).ConfigureAwait(false);
                states.AddRange(reads.Select(r => r.Result.IsNull ? null : (string?)r.Result));
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return null;
        }

        return EpochStateOf(states);
    }

    /// <summary>Several epochs as one state: none missing and none filling is <c>ready</c>; any filling, <c>filling</c>; any missing, none.</summary>
    private static string? EpochStateOf(IEnumerable<string?> states)
    {
        var state = NodeEpoch.Ready;
        foreach (var one in states)
        {
            if (one is null)
            {
                return null;
            }

            if (one != NodeEpoch.Ready)
            {
                state = NodeEpoch.Filling;
            }
        }

        return state;
    }

    private static async Task<string?> OptionalValue(Task<RedisValue> command)
    {
        try
        {
            var value = await command.ConfigureAwait(false);
            return value.IsNull ? null : (string?)value;
        }
        catch (RedisServerException)
        {
            return null;
        }
    }

    private static async Task<long?> OptionalValue(Task<long> command)
    {
        try
        {
            return await command.ConfigureAwait(false);
        }
        catch (RedisServerException)
        {
            return null;
        }
    }

    /// <summary>A command whose refusal (an ACL without it, a server without it) means "unknown", not "unreachable".</summary>
    private static async Task<T?> Optional<T>(Task<T> command)
        where T : class
    {
        try
        {
            return await command.ConfigureAwait(false);
        }
        catch (RedisServerException)
        {
            return null;
        }
    }

    /// <summary>
    /// Reads every node's copy of <paramref name="key"/> as stored: the meta hash, the data's Redis type and size, the
    /// number of removed list elements remembered, and a digest of the data bytes. Repairs nothing and needs no model
    /// type, so an operator can see which nodes are stale (<see cref="KeyInspection.IsStale"/>). A list is read whole.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Stops waiting for the nodes.</param>
    /// <returns>Every node's copy, in the order of <see cref="Nodes"/>.</returns>
    /// <exception cref="InvalidKeyException">The key is not one the library can hold.</exception>
    public async Task<KeyInspection> InspectAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var metaKey = Keys.MetaKey(key);
        var tombstoneKey = Keys.TombstonePrefix is null ? null : Keys.TombstoneKey(key);
        var replicas = await Task.WhenAll(_replicaSet.Nodes.Select(node => InspectNodeAsync(node, key, metaKey, tombstoneKey, cancellationToken))).ConfigureAwait(false);
        return new KeyInspection(key, metaKey, replicas);
    }

    private async Task<KeyReplica> InspectNodeAsync(ReplicaNode node, string key, string metaKey, string? tombstoneKey, CancellationToken cancellationToken)
    {
        var empty = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var db = node.Database;
            var meta = db.HashGetAllAsync(metaKey);
            var type = db.KeyTypeAsync(key);
            var tombstones = tombstoneKey is null ? Task.FromResult(0L) : db.HashLengthAsync(tombstoneKey);
            // The epoch the key's copy is counted by: the node's, or on a cluster node its slot's (on the key's own shard).
            var epoch = OptionalValue(db.HashGetAsync(node.SlotEpochs?.MarkerOf(key) ?? (RedisKey)Options.EpochKey, "state"));
            try
            {
                await Task.WhenAll(meta, type, tombstones, epoch).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (RedisServerException ex)
            {
                // The node answered, with an error: a key of the wrong Redis type where the library keeps its own.
                return new KeyReplica(node.Name, null, meta.IsCompletedSuccessfully ? Fields(meta.Result) : empty, type.IsCompletedSuccessfully ? Name(type.Result) : "unknown", 0, 0, 0, ex.Message);
            }

            long length = 0;
            ulong digest = 0;
            switch (type.Result)
            {
                case RedisType.String:
                    var bytes = (byte[]?)await db.StringGetAsync(key).WaitAsync(cancellationToken).ConfigureAwait(false) ?? [];
                    (length, digest) = (bytes.Length, XxHash64.HashToUInt64(bytes));
                    break;
                case RedisType.List:
                    var elements = await db.ListRangeAsync(key).WaitAsync(cancellationToken).ConfigureAwait(false);
                    var hash = new XxHash64();
                    Span<byte> size = stackalloc byte[4];
                    foreach (var element in elements)
                    {
                        var data = (byte[])element!;
                        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(size, data.Length);
                        hash.Append(size);
                        hash.Append(data);
                    }

                    (length, digest) = (elements.Length, hash.GetCurrentHashAsUInt64());
                    break;
                case RedisType.Hash:
                    length = await db.HashLengthAsync(key).WaitAsync(cancellationToken).ConfigureAwait(false);
                    break;
                case RedisType.Set:
                    length = await db.SetLengthAsync(key).WaitAsync(cancellationToken).ConfigureAwait(false);
                    break;
                case RedisType.SortedSet:
                    length = await db.SortedSetLengthAsync(key).WaitAsync(cancellationToken).ConfigureAwait(false);
                    break;
                case RedisType.Stream:
                    length = await db.StreamLengthAsync(key).WaitAsync(cancellationToken).ConfigureAwait(false);
                    break;
            }

            return new KeyReplica(node.Name, null, Fields(meta.Result), Name(type.Result), length, tombstones.Result, digest) { EpochState = epoch.Result };
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or InvalidOperationException)
        {
            return new KeyReplica(node.Name, ex.Message, empty, "unknown", 0, 0, 0);
        }
    }

    private static Dictionary<string, string> Fields(HashEntry[] entries) =>
        entries.ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal);

    private static string Name(RedisType type) => type.ToString().ToLowerInvariant();
}
