using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.Testing.Processes;
using StackExchange.Redis;

namespace AnarchoRedis.Testing;

/// <summary>
/// One of a <see cref="LocalCluster"/>'s N replicas. In <see cref="LocalClusterOptions.ClusterMode"/> it is a whole
/// Redis Cluster: <see cref="LocalClusterOptions.ShardsPerReplica"/> shards, each a primary and optionally a replica,
/// every one behind its own proxy. Otherwise it is one standalone node (one shard, no slots).
/// </summary>
public sealed class LocalReplica
{
    private readonly LocalShard[] _shards;
    private readonly LocalNode[] _nodes;

    internal LocalReplica(int index, LocalShard[] shards, bool isCluster)
    {
        Index = index;
        IsCluster = isCluster;
        _shards = shards;
        _nodes = [.. shards.SelectMany(s => s.Nodes)];
        ConfigurationString = string.Join(",", _nodes.Select(n => n.EndPoint));
        foreach (var shard in shards)
        {
            shard.Replica = this;
            foreach (var node in shard.Nodes)
            {
                node.Shard = isCluster ? shard : null;
            }
        }
    }

    /// <summary>The replica's place in <see cref="LocalCluster.Replicas"/>.</summary>
    public int Index { get; }

    /// <summary>Whether the replica is a Redis Cluster (<see cref="LocalClusterOptions.ClusterMode"/>).</summary>
    public bool IsCluster { get; }

    /// <summary>The shards, in slot order at start (shard i first served the i-th part of 0..16383).</summary>
    public IReadOnlyList<LocalShard> Shards => _shards;

    /// <summary>Every server of the replica: each shard's primary then its replica, shard by shard.</summary>
    public IReadOnlyList<LocalNode> Nodes => _nodes;

    /// <summary>
    /// What a client connects to, as a StackExchange.Redis configuration string: the client-facing endpoints
    /// (<see cref="LocalNode.EndPoint"/>, the proxies' when proxied) of every server of the replica, comma-joined, as
    /// cluster seeds. For a standalone replica, the node's endpoint.
    /// </summary>
    public string ConfigurationString { get; }

    /// <summary>
    /// A direct connection to the replica for assertions (admin commands allowed). In cluster mode it is a cluster
    /// client that follows MOVED and ASK, and reaches every server on its own port, never through the proxies (so
    /// partitions and latency do not affect it). For a standalone replica, the node's direct connection.
    /// </summary>
    /// <exception cref="InvalidOperationException">A standalone replica's node is not running.</exception>
    public IConnectionMultiplexer Connection => IsCluster ? Multiplexer! : _nodes[0].DirectMultiplexer;

    /// <summary><see cref="Connection"/>'s database: key commands go to the shard serving the key's slot.</summary>
    public IDatabase Db => Connection.GetDatabase();

    /// <summary>The cluster connection (cluster mode), once the cluster is formed.</summary>
    internal ConnectionMultiplexer? Multiplexer { get; private set; }

    /// <summary>The shard that serves <paramref name="slot"/> in the kit's slot map.</summary>
    /// <param name="slot">A hash slot, 0..16383.</param>
    /// <returns>The shard.</returns>
    /// <exception cref="InvalidOperationException">The replica is not a cluster.</exception>
    public LocalShard ShardOfSlot(int slot)
    {
        RequireCluster();
        return _shards.First(s => s.ServesSlot(slot));
    }

    /// <summary>The shard that serves <paramref name="key"/>'s hash slot in the kit's slot map.</summary>
    /// <param name="key">A key.</param>
    /// <returns>The shard.</returns>
    /// <exception cref="InvalidOperationException">The replica is not a cluster.</exception>
    public LocalShard ShardOfKey(RedisKey key)
    {
        RequireCluster();
        return ShardOfSlot(Connection.HashSlot(key));
    }

    /// <summary>
    /// Moves <paramref name="slot"/> and its keys to <paramref name="to"/> the standard way (SETSLOT IMPORTING and
    /// MIGRATING, MIGRATE ... REPLACE KEYS in batches, SETSLOT NODE on every reachable node) and waits until every
    /// reachable node agrees. Clients with the old map get MOVED.
    /// </summary>
    /// <param name="slot">The slot, 0..16383.</param>
    /// <param name="to">The shard to move it to (of this replica).</param>
    /// <param name="cancellationToken">Cancels the move (a slot half moved stays so).</param>
    /// <returns>A task that completes when the slot is moved.</returns>
    /// <exception cref="InvalidOperationException">Not a cluster, or a shard has no running primary.</exception>
    /// <exception cref="ArgumentException"><paramref name="to"/> is of another replica or already serves the slot.</exception>
    public async Task MoveSlotAsync(int slot, LocalShard to, CancellationToken cancellationToken = default)
    {
        var migration = await BeginSlotMigrationAsync(slot, to, cancellationToken).ConfigureAwait(false);
        await migration.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts moving <paramref name="slot"/> to <paramref name="to"/> and moves no key yet: the source is MIGRATING,
    /// the target IMPORTING. Move some keys with <see cref="LocalSlotMigration.MigrateKeysAsync"/> and clients asking
    /// the source for a moved key get ASK; <see cref="LocalSlotMigration.CompleteAsync"/> finishes the move.
    /// </summary>
    /// <param name="slot">The slot, 0..16383.</param>
    /// <param name="to">The shard to move it to (of this replica).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The migration in progress.</returns>
    /// <exception cref="InvalidOperationException">Not a cluster, or a shard has no running primary.</exception>
    /// <exception cref="ArgumentException"><paramref name="to"/> is of another replica or already serves the slot.</exception>
    public async Task<LocalSlotMigration> BeginSlotMigrationAsync(int slot, LocalShard to, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(to);
        var from = ShardOfSlot(slot);
        if (to.Replica != this)
        {
            throw new ArgumentException($"{to} is not a shard of replica {Index}.", nameof(to));
        }

        if (from == to)
        {
            throw new ArgumentException($"{to} already serves slot {slot}.", nameof(to));
        }

        var source = await from.FindPrimaryAsync(cancellationToken).ConfigureAwait(false);
        var target = await to.FindPrimaryAsync(cancellationToken).ConfigureAwait(false);
        _ = await target.AdminAsync(cancellationToken, "CLUSTER", "SETSLOT", slot, "IMPORTING", source.ClusterNodeId!).ConfigureAwait(false);
        _ = await source.AdminAsync(cancellationToken, "CLUSTER", "SETSLOT", slot, "MIGRATING", target.ClusterNodeId!).ConfigureAwait(false);
        return new LocalSlotMigration(slot, from, to, source, target);
    }

    /// <summary>
    /// Waits until every running, unpaused server says <c>cluster_state:ok</c>, knows every node, sees none of the
    /// reachable ones as failing, and reports the same slot map, with every shard's slots served by one of its
    /// servers at its client-facing port; replicas have their replication link up. Nothing for a standalone replica.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the cluster is stable.</returns>
    /// <exception cref="TimeoutException">Not stable within <see cref="LocalClusterOptions.StartTimeout"/>; the message says why.</exception>
    public Task WaitUntilStableAsync(CancellationToken cancellationToken = default) =>
        IsCluster ? ClusterFormation.WaitStableAsync(this, _nodes[0].StartTimeout, cancellationToken) : Task.CompletedTask;

    /// <summary>
    /// The replica's whole keyspace for <see cref="KeyspaceComparison"/>: the union of every shard's primary's keys
    /// (SCAN on each, directly), each described by <see cref="KeyDump"/>; the per-node keys are left out.
    /// </summary>
    /// <param name="cancellationToken">Stops the scan.</param>
    /// <returns>Key name to description, in ordinal order.</returns>
    /// <exception cref="InvalidOperationException">A shard has no running primary, or two shards hold the same key.</exception>
    public async Task<SortedDictionary<string, string>> SnapshotAsync(CancellationToken cancellationToken = default)
    {
        if (!IsCluster)
        {
            return await KeyspaceComparison.SnapshotAsync(_nodes[0].Server, _nodes[0].Db, cancellationToken).ConfigureAwait(false);
        }

        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var holder = new Dictionary<string, LocalShard>(StringComparer.Ordinal);
        foreach (var shard in _shards)
        {
            var primary = await shard.FindPrimaryAsync(cancellationToken).ConfigureAwait(false);
            var keys = await KeyspaceComparison.SnapshotAsync(primary.Server, Db, cancellationToken).ConfigureAwait(false);
            foreach (var (key, text) in keys)
            {
                if (!holder.TryAdd(key, shard))
                {
                    throw new InvalidOperationException($"Key '{key}' is held by shards {holder[key].Index} and {shard.Index} of replica {Index}.");
                }

                result[key] = text;
            }
        }

        return result;
    }

    /// <inheritdoc />
    public override string ToString() => $"replica {Index} ({ConfigurationString})";

    /// <summary>Forms the cluster (cluster mode) and opens <see cref="Connection"/>.</summary>
    internal async Task FormAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await ClusterFormation.FormAsync(this, timeout, cancellationToken).ConfigureAwait(false);
        var ports = _nodes.Where(n => n.Proxy is not null).ToDictionary(n => n.Proxy!.Port, n => n.Port);
        var config = new ConfigurationOptions
        {
            AllowAdmin = true,
            AbortOnConnectFail = false,
            ConnectTimeout = 2000,
            SyncTimeout = 2000,
            AsyncTimeout = 2000,
            Password = _nodes[0].Password,
            ClientName = "anarchoredis-testing-direct",
            Tunnel = new EndPointTunnel(ports),
        };
        foreach (var node in _nodes)
        {
            config.EndPoints.Add(IPAddress.Loopback, node.Proxy?.Port ?? node.Port);
        }

        Multiplexer = await ConnectionMultiplexer.ConnectAsync(config).ConfigureAwait(false);
    }

    /// <summary>Closes <see cref="Connection"/> (cluster mode).</summary>
    internal async Task CloseAsync()
    {
        if (Multiplexer is { } multiplexer)
        {
            await multiplexer.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
            multiplexer.Dispose();
        }
    }

    private void RequireCluster()
    {
        if (!IsCluster)
        {
            throw new InvalidOperationException($"Replica {Index} is a standalone node: start the cluster with LocalClusterOptions.ClusterMode for shards and slots.");
        }
    }
}
