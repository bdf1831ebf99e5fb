using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.Testing.Processes;

namespace AnarchoRedis.Testing;

/// <summary>
/// N local nodes on free loopback ports (redis-server processes or in-process Garnet servers), each behind an
/// in-process <see cref="TcpProxy"/> unless turned off, with faults per node. Everything it starts it stops, by pid:
/// on dispose, on process exit, and (for a crashed host) on the next start.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly LocalNode[] _nodes;
    private readonly LocalReplica[] _replicas;
    private readonly string[] _endPoints;
    private int _disposed;

    private readonly LocalCertificates? _tls;

    private LocalCluster(LocalReplica[] replicas, LocalCertificates? tls)
    {
        _tls = tls;
        _replicas = replicas;
        _nodes = [.. replicas.SelectMany(r => r.Nodes)];
        _endPoints = [.. replicas.Select(r => r.ConfigurationString)];
    }

    /// <summary>
    /// Every server: without <see cref="LocalClusterOptions.ClusterMode"/> one per replica, in the order of
    /// <see cref="EndPoints"/>; in cluster mode every server of every replica, replica by replica (each replica's
    /// <see cref="LocalReplica.Nodes"/> in turn).
    /// </summary>
    public IReadOnlyList<LocalNode> Nodes => _nodes;

    /// <summary>The N replicas: each one node, or in cluster mode one Redis Cluster with its shards.</summary>
    public IReadOnlyList<LocalReplica> Replicas => _replicas;

    /// <summary>
    /// What clients connect to, one string per replica (<see cref="LocalReplica.ConfigurationString"/>): the node's
    /// client-facing endpoint (the proxy's when proxied), or in cluster mode the replica's seeds, comma-joined.
    /// </summary>
    public IReadOnlyList<string> EndPoints => _endPoints;

    /// <summary>Node <paramref name="index"/> of <see cref="Nodes"/>.</summary>
    /// <param name="index">0-based.</param>
    public LocalNode this[int index] => _nodes[index];

    /// <summary>Kills what a crashed host left behind, then starts the nodes (in parallel) and their proxies.</summary>
    /// <param name="options">What to start; <see langword="null"/> for 3 redis-server nodes behind proxies.</param>
    /// <param name="cancellationToken">Cancels the start (what started is stopped).</param>
    /// <returns>The running cluster; every node answers PING.</returns>
    /// <exception cref="InvalidOperationException">redis-server is missing, or a node did not start.</exception>
    public static async Task<LocalCluster> StartAsync(LocalClusterOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LocalClusterOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.NodeCount, 1, nameof(options.NodeCount));
        if (options.Backend != LocalNodeBackend.RedisServer && (options.Tls is not null || options.AclUsers.Count > 0))
        {
            throw new NotSupportedException("TLS and ACL users (LocalClusterOptions.Tls, AclUsers) are supported for redis-server nodes only.");
        }

        CheckClusterOptions(options);
        string? binary = null;
        if (options.Backend == LocalNodeBackend.RedisServer)
        {
            binary = RedisServerBinary.Resolve(options.RedisServerPath);
            ProcessRegistry.ReapLeftovers();
        }

        var perReplica = options.ClusterMode ? options.ShardsPerReplica * (1 + options.ShardReplicas) : 1;
        var starting = Enumerable.Range(0, options.NodeCount * perReplica)
            .Select(i => LocalNode.StartAsync(i, options, binary, cancellationToken))
            .ToArray();
        LocalReplica[]? replicas = null;
        try
        {
            await Task.WhenAll(starting).ConfigureAwait(false);
            var nodes = starting.Select(t => t.Result).ToArray();
            replicas = [.. Enumerable.Range(0, options.NodeCount).Select(r => Replica(r, nodes.AsSpan(r * perReplica, perReplica).ToArray(), options))];
            if (options.ClusterMode)
            {
                await Task.WhenAll(replicas.Select(r => r.FormAsync(options.StartTimeout, cancellationToken))).ConfigureAwait(false);
            }
        }
        catch
        {
            foreach (var replica in replicas ?? [])
            {
                await replica.CloseAsync().ConfigureAwait(false);
            }

            // Stop whatever started, so a failed sibling leaves nothing behind.
            foreach (var task in starting.Where(t => t.IsCompletedSuccessfully))
            {
                try
                {
                    await task.Result.DisposeAsync().ConfigureAwait(false);
                }
                catch (AggregateException)
                {
                    // The start failure is the one to report.
                }
            }

            throw;
        }

        return new LocalCluster(replicas, options.Tls);
    }

    private static void CheckClusterOptions(LocalClusterOptions options)
    {
        if (!options.ClusterMode)
        {
            if (options.ShardsPerReplica != 1 || options.ShardReplicas != 0)
            {
                throw new ArgumentException("ShardsPerReplica and ShardReplicas need LocalClusterOptions.ClusterMode = true.", nameof(options));
            }

            return;
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.ShardsPerReplica, 1, nameof(options.ShardsPerReplica));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.ShardsPerReplica, ClusterFormation.SlotCount, nameof(options.ShardsPerReplica));
        ArgumentOutOfRangeException.ThrowIfNegative(options.ShardReplicas, nameof(options.ShardReplicas));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.ShardReplicas, 1, nameof(options.ShardReplicas));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ClusterNodeTimeout, TimeSpan.FromMilliseconds(100), nameof(options.ClusterNodeTimeout));
        if (options.Backend != LocalNodeBackend.RedisServer || options.Tls is not null || options.AclUsers.Count > 0)
        {
            throw new NotSupportedException("Cluster mode (LocalClusterOptions.ClusterMode) is supported for redis-server nodes without TLS and ACL users only.");
        }
    }

    /// <summary>Groups one replica's nodes into shards: each shard's primary, then its replica.</summary>
    private static LocalReplica Replica(int index, LocalNode[] nodes, LocalClusterOptions options)
    {
        if (!options.ClusterMode)
        {
            return new LocalReplica(index, [new LocalShard(0, nodes, null)], isCluster: false);
        }

        var size = 1 + options.ShardReplicas;
        var shards = Enumerable.Range(0, options.ShardsPerReplica)
            .Select(s => new LocalShard(s, nodes.AsSpan(s * size, size).ToArray(), ClusterFormation.EvenRange(s, options.ShardsPerReplica)))
            .ToArray();
        return new LocalReplica(index, shards, isCluster: true);
    }

    /// <summary>
    /// Options for an AnarchoRedis client of this cluster: <see cref="AnarchoRedisOptions.Nodes"/> = <see cref="EndPoints"/>;
    /// for TLS nodes (<see cref="LocalClusterOptions.Tls"/>) also the CA to trust and the client certificate
    /// (<see cref="AnarchoRedisOptions.Connection"/>). The ACL user to log in as, if any, is for <paramref name="configure"/> to set.
    /// </summary>
    /// <param name="configure">Further settings, or <see langword="null"/>.</param>
    /// <returns>The options.</returns>
    public AnarchoRedisOptions CreateOptions(Action<AnarchoRedisOptions>? configure = null)
    {
        var options = new AnarchoRedisOptions();
        foreach (var endPoint in _endPoints)
        {
            options.Nodes.Add(endPoint);
        }

        if (_tls is not null)
        {
            options.Connection.Tls = true;
            options.Connection.TrustedCaCertificatePath = _tls.CaCertificatePath;
            options.Connection.ClientCertificatePath = _tls.ClientCertificatePath;
            options.Connection.ClientKeyPath = _tls.ClientKeyPath;
        }

        configure?.Invoke(options);
        return options;
    }

    /// <summary>
    /// Ends every fault: each node resumed, healed, without latency, and running again (a killed node restarts with
    /// <see cref="RestartMode.KeepData"/> when it can, else <see cref="RestartMode.LoseData"/>).
    /// </summary>
    /// <param name="cancellationToken">Cancels the restarts.</param>
    /// <returns>A task that completes when every node answers.</returns>
    public async Task HealAsync(CancellationToken cancellationToken = default)
    {
        var restarts = new List<Task>();
        foreach (var node in _nodes)
        {
            node.Resume();
            node.Heal();
            node.Latency = TimeSpan.Zero;
            if (!node.IsRunning)
            {
                restarts.Add(node.RestartAsync(node.CanKeepData ? RestartMode.KeepData : RestartMode.LoseData, cancellationToken));
            }
        }

        await Task.WhenAll(restarts).ConfigureAwait(false);
        await Task.WhenAll(_replicas.Select(r => r.WaitUntilStableAsync(cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops every node (a paused one is resumed and killed, never waited on) and every proxy; each step runs even
    /// when an earlier one failed. Never throws for a node that was already dead.
    /// </summary>
    /// <returns>A task that completes when everything is stopped.</returns>
    /// <exception cref="AggregateException">A node or proxy could not be stopped.</exception>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        List<Exception>? errors = null;
        foreach (var replica in _replicas)
        {
            try
            {
                await replica.CloseAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                (errors ??= []).Add(ex);
            }
        }

        foreach (var node in _nodes)
        {
            try
            {
                await node.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                (errors ??= []).Add(ex);
            }
        }

        if (errors is not null)
        {
            throw new AggregateException("Stopping the local cluster failed.", errors);
        }
    }
}
