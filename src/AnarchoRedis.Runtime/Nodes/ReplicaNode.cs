using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>One node of the replica set: its own multiplexer, configured never to replay a queued command late.</summary>
/// <remarks>
/// Commands go through an <see cref="INodeChannel"/>: over the multiplexer in production, or an in-memory node for the
/// per-operation benchmarks (<see cref="FromChannel"/>), which have no multiplexer and no <see cref="Database"/>.
/// </remarks>
internal sealed partial class ReplicaNode : IAsyncDisposable
{
    /// <summary>The node's connection; <see langword="null"/> for a node built over a channel.</summary>
    private readonly ConnectionMultiplexer? _connection;
    private readonly IDatabase? _database;
    private readonly INodeChannel _channel;

    /// <summary>The per-slot epoch keys, on a node that is a Redis Cluster; <see langword="null"/> on a standalone node.</summary>
    private readonly EpochKeys? _epochKeys;

    private ReplicaNode(int index, string name, ConnectionMultiplexer connection, IDatabase database, AnarchoRedisOptions options, bool cluster)
        // A script coalesced by ScriptBatcher declares the keys of many calls: on a cluster they belong to many slots,
        // which Redis refuses (CROSSSLOT). A cluster node sends each call on its own (docs/plans/scaling-out.md, item 4).
        : this(index, name, new RedisNodeChannel(database, cluster ? 1 : options.MaxBatchSize, options.MaxCallsInFlightPerNode, options.NodeTimeout), options.Health.FailureThreshold, options.NodeTimeout)
    {
        if (cluster)
        {
            _epochKeys = new EpochKeys(options.EpochKey);
            _failureThreshold = options.Health.FailureThreshold;
        }

        _permissionCheck = new PermissionCheck(options);
        _permissions = PermissionsUnchecked;
        _connection = connection;
        _database = database;
        connection.ConnectionFailed += OnConnectionFailed;
        connection.ConnectionRestored += OnConnectionRestored;
        if (!connection.IsConnected)
        {
            Health.OnConnectionLost();
        }

        if (cluster)
        {
            connection.HashSlotMoved += OnHashSlotMoved;
            connection.ConfigurationChanged += OnTopologyChanged;
            _ = Shards;
        }
    }

    private ReplicaNode(int index, string name, INodeChannel channel, int failureThreshold, TimeSpan nodeTimeout)
    {
        Index = index;
        Name = name;
        _channel = channel;
        _nodeTimeout = nodeTimeout;
        Health = new NodeHealth(name, failureThreshold);
    }

    /// <summary>The node's health record (latency, failures, circuit, epoch).</summary>
    public NodeHealth Health { get; }

    /// <summary>Raised (on a StackExchange.Redis thread) when the node's connection is restored: its epoch must be verified.</summary>
    public event Action<ReplicaNode>? ConnectionRestored;

    public int Index { get; }

    /// <summary>
    /// The node's name in logs, metrics, outcomes and durable hint streams: its configured endpoint, or for a Redis Cluster
    /// given by several seeds, the seeds in order, comma-joined (the same in every client, whatever the order configured).
    /// </summary>
    public string Name { get; }

    /// <summary>Whether the node is a Redis Cluster (its epoch is kept per hash slot: <see cref="EpochKeys"/>).</summary>
    public bool IsCluster => _epochKeys is not null;

    /// <summary>The per-slot epoch keys of a cluster node, or <see langword="null"/> for a standalone node.</summary>
    internal EpochKeys? SlotEpochs => _epochKeys;

    /// <summary>Whether the connection is up; always true for a node built over a channel (it has no connection to lose).</summary>
    public bool IsConnected => _connection?.IsConnected ?? true;

    /// <summary>The coalescer of this node's value writes, or null (coalescing off, or a node over a channel).</summary>
    internal ScriptBatcher? ValueWriteBatcher => (_channel as RedisNodeChannel)?.ValueWriteBatcher;

    /// <summary>The value read coalescer, or null (coalescing off, or a test channel); for tests and benchmarks.</summary>
    internal ScriptBatcher? ValueReadBatcher => (_channel as RedisNodeChannel)?.ValueReadBatcher;

    /// <summary>The node's database, for the commands that are not scripts (anti-entropy, epochs, durable hints).</summary>
    /// <exception cref="InvalidOperationException">The node was built over a channel (<see cref="FromChannel"/>).</exception>
    internal IDatabase Database => _database ?? throw new InvalidOperationException(
        $"Node {Name} was built over an in-memory channel (a benchmark of the operation path): it has no Redis database, so anti-entropy, epoch checks and durable hints cannot run on it.");

    /// <summary>
    /// A node whose commands go to <paramref name="channel"/> instead of a connection: for benchmarks of the operation
    /// path with the network replaced. Only the script commands and PING work; <see cref="Database"/> throws.
    /// </summary>
    internal static ReplicaNode FromChannel(int index, string name, INodeChannel channel, int failureThreshold, TimeSpan nodeTimeout)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return new ReplicaNode(index, name, channel, failureThreshold, nodeTimeout);
    }

    public static async Task<ReplicaNode> ConnectAsync(int index, string configuration, AnarchoRedisOptions options)
    {
        var config = ConfigurationOptions.Parse(configuration);
        options.Connection.ApplyTo(config);
        config.AbortOnConnectFail = false;
        // A command queued while the node is away must fail now, not run minutes later.
        config.BacklogPolicy = BacklogPolicy.FailFast;
        config.ConnectTimeout = (int)options.ConnectTimeout.TotalMilliseconds;
        // One attempt: start-up waits at most ConnectTimeout for a node (the default 3 attempts made a node that
        // never answers hold up the client for 3 x ConnectTimeout). Reconnection goes on in the background.
        config.ConnectRetry = 1;
        // Reconnect at the health probe's pace: the default exponential back-off (from 5 s) kept a node that came back
        // unusable for seconds after it answered again, while its circuit waited for the connection.
        config.ReconnectRetryPolicy ??= new LinearRetry((int)Math.Max(100, options.Health.ProbeInterval.TotalMilliseconds));
        // The heartbeat is when StackExchange.Redis reconnects and checks timeouts: at its default of 1 s a restarted node
        // stayed skipped 1-2 s after it answered, and a timeout fired up to 1 s late. Half the probe interval, 200 ms to 1 s.
        config.HeartbeatInterval = TimeSpan.FromMilliseconds(Math.Clamp(options.Health.ProbeInterval.TotalMilliseconds / 2, 200, 1000));
        config.SyncTimeout = (int)options.NodeTimeout.TotalMilliseconds;
        config.AsyncTimeout = (int)options.NodeTimeout.TotalMilliseconds;
        config.ClientName ??= "anarchoredis";
        // The scripts' replies are parsed as RESP2 (a Lua false is a nil bulk); RESP3 would turn it into a boolean.
        config.Protocol = RedisProtocol.Resp2;
        // A node is one standalone server: no primary election among endpoints (the tie-breaker is a GET of a key of its
        // own) and no configuration broadcast (a SUBSCRIBE): neither is needed, and a least-privilege ACL user may not do them.
        config.TieBreaker = string.Empty;
        config.ConfigurationChannel = string.Empty;
        options.Connection.Configure?.Invoke(config);
        var name = NameOf(config, configuration);
        var connection = await ConnectionMultiplexer.ConnectAsync(config).ConfigureAwait(false);
        // Several seeds are a cluster's; one endpoint is a cluster when the server says so (it must answer at start-up).
        var cluster = config.EndPoints.Count > 1 || connection.GetServers().Any(s => s.IsConnected && s.ServerType == ServerType.Cluster);
        var node = new ReplicaNode(index, name, connection, connection.GetDatabase(), options, cluster);
        // Checked now, so that a refused node is known before the first operation (and, when the check cannot run yet,
        // before the first script is sent to it).
        await node.CheckPermissionsAsync().ConfigureAwait(false);
        return node;
    }

    /// <summary>The name of a node given by <paramref name="config"/>: its endpoint, or its seeds sorted and comma-joined.</summary>
    internal static string NameOf(ConfigurationOptions config, string configuration)
    {
        if (config.EndPoints.Count <= 1)
        {
            return config.EndPoints.Count == 1 ? config.EndPoints[0].ToString() ?? configuration : configuration;
        }

        return string.Join(',', config.EndPoints.Select(e => e.ToString() ?? string.Empty).Order(StringComparer.Ordinal));
    }

    /// <summary>PING, for the prober; records the answer or failure in <see cref="Health"/>.</summary>
    public async Task PingAsync()
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await _channel.PingAsync().ConfigureAwait(false);
            Health.OnAnswer(started);
        }
        catch (Exception ex)
        {
            Health.Observe(ex, started);
            throw;
        }
    }

    /// <summary>
    /// Runs a script with EVALSHA. A caller that gets NOSCRIPT (see <see cref="IsNoScript"/>) calls <see cref="ReloadAndEvaluateAsync"/>.
    /// On a node whose Redis user may not run every command the scripts call, nothing is sent: the call fails at once with
    /// the node's NOPERM refusal (see ReplicaNode.Permissions.cs).
    /// </summary>
    /// <remarks>Not an async method: the NOSCRIPT path is rare, and one state machine per node per operation is enough.</remarks>
    public Task<RedisResult> EvaluateAsync(LuaScript script, RedisKey[] keys, RedisValue[] values)
    {
        if (_epochKeys is not null)
        {
            keys = WithSlotEpoch(keys);
        }

        return Volatile.Read(ref _permissions) == PermissionsAllowed
            ? _channel.EvaluateAsync(script, keys, values)
            : EvaluateCheckedAsync(script, keys, values);
    }

    /// <summary>
    /// On a cluster node, a read script's last key, the node's epoch key (which a read checks in the same atomic step),
    /// becomes the epoch key of the first key's slot: one slot, so the cluster accepts the script, and the epoch checked
    /// is the one that is lost when that slot's shard loses its data. Other calls are left as they are.
    /// </summary>
    private RedisKey[] WithSlotEpoch(RedisKey[] keys)
    {
        if (keys.Length < 2 || keys[^1] != _epochKeys!.Key || keys[0] == _epochKeys.Key)
        {
            return keys;
        }

        var routed = (RedisKey[])keys.Clone();
        routed[^1] = _epochKeys.MarkerOf(keys[0]);
        return routed;
    }

    /// <summary>Loads the script on the node (it restarted, or its script cache was flushed) and runs it again.</summary>
    public async Task<RedisResult> ReloadAndEvaluateAsync(LuaScript script, RedisKey[] keys, RedisValue[] values)
    {
        await _channel.LoadAsync(script).ConfigureAwait(false);
        return await EvaluateAsync(script, keys, values).ConfigureAwait(false);
    }

    /// <summary>Whether the node said it does not know the script.</summary>
    public static bool IsNoScript(RedisServerException error) => error.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal);

    /// <summary>Runs a script with EVALSHA, and once more after loading it when the node answers NOSCRIPT.</summary>
    internal async Task<RedisResult> EvaluateLoadingAsync(LuaScript script, RedisKey[] keys, RedisValue[] values)
    {
        try
        {
            return await EvaluateAsync(script, keys, values).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (IsNoScript(ex))
        {
            return await ReloadAndEvaluateAsync(script, keys, values).ConfigureAwait(false);
        }
    }

    /// <summary>Runs a script, reloading it once on NOSCRIPT; records the answer or failure in <see cref="Health"/>.</summary>
    public async Task<RedisResult> EvaluateOrReloadAsync(LuaScript script, RedisKey[] keys, RedisValue[] values)
    {
        var health = HealthFor(keys);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await EvaluateLoadingAsync(script, keys, values).ConfigureAwait(false);
            health.OnAnswer(started);
            return result;
        }
        catch (Exception ex)
        {
            health.Observe(ex, started);
            throw;
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType != ConnectionType.Interactive)
        {
            return;
        }

        if (!IsCluster)
        {
            Health.OnConnectionLost();
            return;
        }

        // A cluster node: the shard's circuit opens and its epochs must be verified again; the node as a whole is lost
        // only when no shard is connected.
        OnTopologyChanged(sender, e);
        ShardHealthAt(e.EndPoint)?.OnConnectionLost();
        if (_connection is { IsConnected: false })
        {
            Health.OnConnectionLost();
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Interactive)
        {
            OnTopologyChanged(sender, e);
            // The server may have restarted with other users: check again before the next script.
            Volatile.Write(ref _permissions, PermissionsUnchecked);
            ConnectionRestored?.Invoke(this);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is null)
        {
            // Built over a channel: its owner disposes it.
            return;
        }

        _connection.ConnectionFailed -= OnConnectionFailed;
        _connection.ConnectionRestored -= OnConnectionRestored;
        _connection.HashSlotMoved -= OnHashSlotMoved;
        _connection.ConfigurationChanged -= OnTopologyChanged;
        await _connection.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
    }

    public override string ToString() => Name;
}
