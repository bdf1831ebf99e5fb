using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.Testing.Processes;
using StackExchange.Redis;

namespace AnarchoRedis.Testing;

/// <summary>
/// One node of a <see cref="LocalCluster"/>: a server on a loopback port it keeps across restarts, an optional
/// <see cref="TcpProxy"/> in front of it, a direct connection for looking behind the client's back, and the faults.
/// Faults on one node are meant to be injected from one place at a time (a test, or a nemesis).
/// </summary>
public sealed class LocalNode : IAsyncDisposable
{
    private const int StartAttempts = 5;

    private readonly NodeServer _server;
    private readonly string? _password;
    private readonly LocalCertificates? _tls;
    private readonly SemaphoreSlim _restarting = new(1, 1);
    private ConnectionMultiplexer? _direct;
    private volatile bool _paused;
    private volatile bool _disposed;

    private LocalNode(int index, LocalNodeBackend backend, NodeServer server, string? password, LocalCertificates? tls, bool clusterMode = false)
    {
        IsClusterMember = clusterMode;
        _tls = tls;
        Index = index;
        Backend = backend;
        _server = server;
        _password = password;
        DirectEndPoint = "127.0.0.1:" + server.Port.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The node's place in <see cref="LocalCluster.Nodes"/>.</summary>
    public int Index { get; }

    /// <summary>What the node runs.</summary>
    public LocalNodeBackend Backend { get; }

    /// <summary>
    /// The shard this node serves (its primary or its replica) when the cluster runs in
    /// <see cref="LocalClusterOptions.ClusterMode"/>; <see langword="null"/> for a standalone node.
    /// </summary>
    public LocalShard? Shard { get; internal set; }

    /// <summary>The node's Redis Cluster id (CLUSTER MYID), kept across restarts; <see langword="null"/> for a standalone node.</summary>
    public string? ClusterNodeId { get; internal set; }

    /// <summary>The server's own port on 127.0.0.1, the same across restarts.</summary>
    public int Port => _server.Port;

    /// <summary>The server's own endpoint, <c>127.0.0.1:{Port}</c> (bypasses the proxy).</summary>
    public string DirectEndPoint { get; }

    /// <summary>What clients connect to: the proxy's endpoint when proxied, else <see cref="DirectEndPoint"/>.</summary>
    public string EndPoint => Proxy?.EndPoint ?? DirectEndPoint;

    /// <summary>The redis-server process id; 0 when not running, or for an in-process Garnet server.</summary>
    public int Pid => _server.Pid;

    /// <summary>Running, paused or killed.</summary>
    public LocalNodeState State => !_server.IsRunning ? LocalNodeState.Killed : _paused ? LocalNodeState.Paused : LocalNodeState.Running;

    /// <summary>Whether the server runs (a paused one does).</summary>
    public bool IsRunning => _server.IsRunning;

    /// <summary>Whether the process is stopped with SIGSTOP.</summary>
    public bool IsPaused => _paused && _server.IsRunning;

    /// <summary>The proxy in front of the node, or <see langword="null"/> when the cluster has no proxies.</summary>
    public TcpProxy? Proxy { get; private set; }

    /// <summary>
    /// A direct connection to this node (bypasses the proxy; admin commands allowed); replaced on every restart. In
    /// cluster mode it is the replica's cluster connection (<see cref="LocalReplica.Db"/>, also direct): key commands go
    /// to the shard owning the key's slot, keyless ones to any node, so send node commands through <see cref="Server"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The node is not running.</exception>
    public IDatabase Db => IsClusterMember ? ClusterConnection.GetDatabase() : Direct.GetDatabase();

    /// <summary>The direct connection's server handle for this node (SAVE, DBSIZE, SCAN, CLUSTER INFO, ...).</summary>
    /// <exception cref="InvalidOperationException">The node is not running.</exception>
    public IServer Server => IsClusterMember
        ? ClusterConnection.GetServer(IPAddress.Loopback, Proxy?.Port ?? Port)
        : Direct.GetServer(IPAddress.Loopback, Port);

    /// <summary>Whether the node runs in cluster mode.</summary>
    internal bool IsClusterMember { get; }

    /// <summary>The default user's password, for the kit's admin commands.</summary>
    internal string? Password => _password;

    /// <summary>The node's cluster bus port (cluster mode).</summary>
    internal int BusPort { get; private set; }

    /// <summary>How long a start may take before it fails.</summary>
    internal TimeSpan StartTimeout { get; private set; } = TimeSpan.FromSeconds(10);

    /// <summary>Runs one command on this node through the kit's own connection (not the node's <see cref="Db"/>).</summary>
    /// <param name="cancellationToken">Cancels the command.</param>
    /// <param name="arguments">The command and its arguments.</param>
    /// <returns>The reply.</returns>
    internal Task<object?> AdminAsync(CancellationToken cancellationToken, params object[] arguments) =>
        Resp.ExecuteAsync(Port, _password, arguments, cancellationToken);

    /// <summary>The standalone direct connection (standalone mode), for <see cref="LocalReplica.Connection"/>.</summary>
    internal ConnectionMultiplexer DirectMultiplexer => Direct;

    private ConnectionMultiplexer ClusterConnection =>
        IsRunning && Shard?.Replica.Multiplexer is { } multiplexer
            ? multiplexer
            : throw new InvalidOperationException($"Node {Index} ({DirectEndPoint}) is not running.");

    /// <summary>
    /// Added one-way delay through the proxy, each direction. Setting a non-zero value without a proxy throws
    /// <see cref="InvalidOperationException"/>.
    /// </summary>
    public TimeSpan Latency
    {
        get => Proxy?.Latency ?? TimeSpan.Zero;
        set
        {
            if (Proxy is { } proxy)
            {
                proxy.Latency = value;
            }
            else if (value != TimeSpan.Zero)
            {
                throw NoProxy("add latency");
            }
        }
    }

    /// <summary>Whether <see cref="RestartMode.KeepData"/> would bring data back now.</summary>
    internal bool CanKeepData => _server.CanKeepData;

    private ConnectionMultiplexer Direct => _direct ?? throw new InvalidOperationException($"Node {Index} ({DirectEndPoint}) is not running.");

    /// <summary>SIGKILLs the server (resuming a paused one first) and waits until it is gone; Garnet: the server is disposed. Nothing when it is not running.</summary>
    public void Kill()
    {
        _server.Kill();
        _paused = false;
        CloseDirect();
    }

    /// <summary>Kills the node if it runs and starts it again on the same port.</summary>
    /// <param name="mode">Keep the node's data (append-only file, else last snapshot), start from the last snapshot, or start empty.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes when the node answers again.</returns>
    /// <exception cref="InvalidOperationException"><see cref="RestartMode.KeepData"/> without persistence and without a snapshot, or <see cref="RestartMode.FromSnapshot"/> without a snapshot.</exception>
    /// <exception cref="NotSupportedException"><see cref="RestartMode.KeepData"/> or <see cref="RestartMode.FromSnapshot"/> on Garnet.</exception>
    public Task RestartAsync(RestartMode mode = RestartMode.LoseData, CancellationToken cancellationToken = default) =>
        RestartWithArgumentsAsync(mode, [], cancellationToken);

    /// <summary>
    /// Kills the node if it runs and starts it again on the same port, with extra redis-server arguments for this start
    /// only (for example <c>--key-load-delay</c> and <c>--loading-process-events-interval-bytes</c>, so the node answers
    /// <c>LOADING</c> for a while). The returned task completes when the node answers PING, that is once it has loaded.
    /// </summary>
    /// <param name="mode">Keep the node's data (append-only file, else last snapshot), start from the last snapshot, or start empty.</param>
    /// <param name="serverArguments">Arguments after the cluster's <see cref="LocalClusterOptions.ServerArguments"/>, for this start only.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes when the node answers again.</returns>
    /// <exception cref="InvalidOperationException"><see cref="RestartMode.KeepData"/> without persistence and without a snapshot, or <see cref="RestartMode.FromSnapshot"/> without a snapshot.</exception>
    /// <exception cref="NotSupportedException"><see cref="RestartMode.KeepData"/> or <see cref="RestartMode.FromSnapshot"/> on Garnet, or arguments for Garnet.</exception>
    public async Task RestartWithArgumentsAsync(RestartMode mode, IReadOnlyList<string> serverArguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(serverArguments);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (mode != RestartMode.LoseData && Backend == LocalNodeBackend.Garnet)
        {
            throw new NotSupportedException("A Garnet node keeps its data in this process' memory only, so it can restart only with RestartMode.LoseData.");
        }

        if (mode == RestartMode.KeepData && !_server.CanKeepData)
        {
            // Checked before the kill: a restart that cannot happen leaves the node as it was.
            throw new InvalidOperationException(
                $"Node {Index} ({DirectEndPoint}) has no data to restart with: turn LocalClusterOptions.Persistence on, or call SnapshotAsync before the kill.");
        }

        if (mode == RestartMode.FromSnapshot && !_server.HasSnapshot)
        {
            throw new InvalidOperationException($"Node {Index} ({DirectEndPoint}) has no snapshot to restart from: call SnapshotAsync before.");
        }

        await _restarting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Kill();
            // The port was ours a moment ago; the kernel may still hold it briefly.
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await _server.StartAsync(mode, serverArguments, cancellationToken).ConfigureAwait(false);
                    break;
                }
                catch (PortTakenException) when (attempt < 40)
                {
                    await Task.Delay(50, cancellationToken).ConfigureAwait(false);
                }
            }

            if (IsClusterMember)
            {
                // The same cluster member (nodes.conf was kept): wait until it has rejoined and serves its slots.
                await ClusterFormation.WaitRejoinedAsync(this, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await ConnectDirectAsync().ConfigureAwait(false);
            }

            if (mode == RestartMode.FromSnapshot && _server.Persistence)
            {
                await ResumeAppendOnlyAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _restarting.Release();
        }
    }

    /// <summary>Turns the append-only file back on after a start from the snapshot, and waits for its first rewrite.</summary>
    private async Task ResumeAppendOnlyAsync(CancellationToken cancellationToken)
    {
        if (IsClusterMember)
        {
            _ = await AdminAsync(cancellationToken, "CONFIG", "SET", "appendonly", "yes").ConfigureAwait(false);
        }
        else
        {
            await Db.ExecuteAsync("CONFIG", "SET", "appendonly", "yes").ConfigureAwait(false);
        }

        for (var attempt = 0; attempt < 500; attempt++)
        {
            var info = IsClusterMember
                ? Resp.Text(await AdminAsync(cancellationToken, "INFO", "persistence").ConfigureAwait(false))
                : (string?)await Db.ExecuteAsync("INFO", "persistence").ConfigureAwait(false) ?? string.Empty;
            if (info.Contains("aof_enabled:1", StringComparison.Ordinal) &&
                info.Contains("aof_rewrite_in_progress:0", StringComparison.Ordinal) &&
                info.Contains("aof_rewrite_scheduled:0", StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes a snapshot (SAVE): what <see cref="RestartMode.KeepData"/> restores when persistence is off.</summary>
    /// <returns>A task that completes when saved.</returns>
    /// <exception cref="NotSupportedException">The node runs Garnet.</exception>
    public async Task SnapshotAsync()
    {
        if (Backend == LocalNodeBackend.Garnet)
        {
            throw new NotSupportedException("Garnet nodes keep no snapshot here; they restart only with RestartMode.LoseData.");
        }

        if (IsClusterMember)
        {
            _ = await AdminAsync(CancellationToken.None, "SAVE").ConfigureAwait(false);
        }
        else
        {
            await Db.ExecuteAsync("SAVE").ConfigureAwait(false);
        }
    }

    /// <summary>Stops the process with SIGSTOP: a hung node; connections stay open and commands wait unanswered.</summary>
    /// <exception cref="NotSupportedException">The node runs Garnet (use <see cref="Partition"/> with <see cref="PartitionMode.Stall"/>).</exception>
    /// <exception cref="InvalidOperationException">The node is not running.</exception>
    public void Pause()
    {
        _server.SetPaused(true);
        _paused = true;
    }

    /// <summary>Continues a paused process (SIGCONT): commands that waited, even timed-out ones, run now. Nothing when not paused.</summary>
    public void Resume()
    {
        if (!_paused)
        {
            return;
        }

        if (_server.IsRunning)
        {
            _server.SetPaused(false);
        }

        _paused = false;
    }

    /// <summary>Cuts the node off through its proxy until <see cref="Heal"/>.</summary>
    /// <param name="mode">Hold everything, or reset every connection.</param>
    /// <exception cref="InvalidOperationException">The cluster has no proxies.</exception>
    public void Partition(PartitionMode mode = PartitionMode.Stall) => (Proxy ?? throw NoProxy("partition")).Partition(mode);

    /// <summary>Ends a partition (nothing without a proxy).</summary>
    public void Heal() => Proxy?.Heal();

    /// <summary>Stops the server and the proxy, and removes the node's files. Never throws for a node already dead.</summary>
    /// <returns>A task that completes when everything is stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        List<Exception>? errors = null;
        try
        {
            // Dispose kills: SIGCONT then SIGKILL, so a paused node cannot hold anything up.
            _server.Dispose();
        }
        catch (Exception ex)
        {
            (errors ??= []).Add(ex);
        }

        _paused = false;
        CloseDirect();
        if (Proxy is { } proxy)
        {
            try
            {
                await proxy.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                (errors ??= []).Add(ex);
            }
        }

        if (errors is not null)
        {
            throw new AggregateException($"Stopping node {Index} ({DirectEndPoint}) failed.", errors);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"node {Index}: {_server} {(Proxy is null ? string.Empty : "via " + Proxy.EndPoint)}".TrimEnd();

    /// <summary>Starts a node on a free port (another port when the one picked was taken meanwhile), and its proxy.</summary>
    /// <param name="index">The node's index.</param>
    /// <param name="options">The cluster's options.</param>
    /// <param name="binary">The redis-server binary, for that backend.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running node.</returns>
    internal static async Task<LocalNode> StartAsync(int index, LocalClusterOptions options, string? binary, CancellationToken cancellationToken)
    {
        if (options.ClusterMode)
        {
            return await StartClusterMemberAsync(index, options, binary!, cancellationToken).ConfigureAwait(false);
        }

        var arguments = new List<string>(options.ServerArguments);
        var password = PasswordOf(arguments);
        if (options.AclUsers.Count > 0)
        {
            password ??= Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        }

        var security = options.Tls is null && options.AclUsers.Count == 0
            ? null
            : new NodeSecurity(options.Tls, options.RequireClientCertificate, [.. options.AclUsers], password);
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePorts.Next();
            NodeServer server = options.Backend == LocalNodeBackend.Garnet
                ? new GarnetNodeServer(port)
                : new RedisServerProcess(port, binary!, options.Persistence, arguments, options.StartTimeout, security);
            var node = new LocalNode(index, options.Backend, server, password, options.Tls);
            try
            {
                await server.StartAsync(RestartMode.LoseData, [], cancellationToken).ConfigureAwait(false);
                await node.ConnectDirectAsync().ConfigureAwait(false);
                if (options.Proxies)
                {
                    node.Proxy = TcpProxy.Start(new IPEndPoint(IPAddress.Loopback, port));
                }

                return node;
            }
            catch (PortTakenException) when (attempt < StartAttempts)
            {
                await node.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await node.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>
    /// Starts a cluster-mode redis-server on free ports, its proxy first (the server announces the proxy's port); the
    /// node is not yet part of any cluster (<see cref="ClusterFormation"/> joins it).
    /// </summary>
    private static async Task<LocalNode> StartClusterMemberAsync(int index, LocalClusterOptions options, string binary, CancellationToken cancellationToken)
    {
        var arguments = new List<string>(options.ServerArguments);
        var password = PasswordOf(arguments);
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePorts.Next();
            var busPort = FreePorts.Next();
            var proxy = options.Proxies ? TcpProxy.Start(new IPEndPoint(IPAddress.Loopback, port)) : null;
            var settings = new ClusterSettings(busPort, proxy?.Port ?? port, options.ClusterNodeTimeout, password);
            var server = new RedisServerProcess(port, binary, options.Persistence, arguments, options.StartTimeout, security: null, settings);
            var node = new LocalNode(index, options.Backend, server, password, tls: null, clusterMode: true)
            {
                Proxy = proxy,
                BusPort = busPort,
                StartTimeout = options.StartTimeout,
            };
            try
            {
                await server.StartAsync(RestartMode.LoseData, [], cancellationToken).ConfigureAwait(false);
                node.ClusterNodeId = Resp.Text(await node.AdminAsync(cancellationToken, "CLUSTER", "MYID").ConfigureAwait(false));
                return node;
            }
            catch (PortTakenException) when (attempt < StartAttempts)
            {
                await node.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await node.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    private static string? PasswordOf(List<string> arguments)
    {
        var at = arguments.FindLastIndex(a => string.Equals(a, "--requirepass", StringComparison.OrdinalIgnoreCase));
        return at >= 0 && at + 1 < arguments.Count ? arguments[at + 1] : null;
    }

    private InvalidOperationException NoProxy(string what) =>
        new($"Node {Index} has no proxy to {what} through: start the cluster with LocalClusterOptions.Proxies = true.");

    private async Task ConnectDirectAsync()
    {
        var config = new ConfigurationOptions
        {
            EndPoints = { { IPAddress.Loopback, Port } },
            AllowAdmin = true,
            AbortOnConnectFail = false,
            ConnectTimeout = 2000,
            SyncTimeout = 2000,
            AsyncTimeout = 2000,
            Password = _password,
            ClientName = "anarchoredis-testing-direct",
        };
        if (_tls is not null)
        {
            config.Ssl = true;
            config.TrustIssuer(_tls.CaCertificatePath);
            config.SetUserPemCertificate(_tls.ClientCertificatePath, _tls.ClientKeyPath);
        }

        var direct = await ConnectionMultiplexer.ConnectAsync(config).ConfigureAwait(false);
        var old = Interlocked.Exchange(ref _direct, direct);
        Close(old);
    }

    private void CloseDirect() => Close(Interlocked.Exchange(ref _direct, null));

    private static void Close(ConnectionMultiplexer? direct)
    {
        if (direct is not null)
        {
            // Not awaited: Kill is synchronous, and a blocking Dispose would hold a thread-pool thread.
            _ = direct.CloseAsync(allowCommandsToComplete: false).ContinueWith(
                closing =>
                {
                    // Observed here, so a failed close never surfaces as an unobserved task exception.
                    _ = closing.Exception;
                    try
                    {
                        direct.Dispose();
                    }
                    catch (Exception)
                    {
                        // The node is gone; nothing is left to release.
                    }
                },
                TaskScheduler.Default);
        }
    }
}
