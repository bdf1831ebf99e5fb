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
    private readonly string[] _endPoints;
    private int _disposed;

    private readonly LocalCertificates? _tls;

    private LocalCluster(LocalNode[] nodes, LocalCertificates? tls)
    {
        _tls = tls;
        _nodes = nodes;
        _endPoints = [.. nodes.Select(n => n.EndPoint)];
    }

    /// <summary>The nodes, in the order of <see cref="EndPoints"/>.</summary>
    public IReadOnlyList<LocalNode> Nodes => _nodes;

    /// <summary>What clients connect to: the proxies' endpoints when proxied, else the nodes' own.</summary>
    public IReadOnlyList<string> EndPoints => _endPoints;

    /// <summary>Node <paramref name="index"/>.</summary>
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

        string? binary = null;
        if (options.Backend == LocalNodeBackend.RedisServer)
        {
            binary = RedisServerBinary.Resolve(options.RedisServerPath);
            ProcessRegistry.ReapLeftovers();
        }

        var starting = Enumerable.Range(0, options.NodeCount)
            .Select(i => LocalNode.StartAsync(i, options, binary, cancellationToken))
            .ToArray();
        try
        {
            await Task.WhenAll(starting).ConfigureAwait(false);
        }
        catch
        {
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

        return new LocalCluster([.. starting.Select(t => t.Result)], options.Tls);
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
