using System;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AnarchoRedis;

/// <content>Construction, connection and disposal.</content>
public sealed partial class AnarchoRedisClient
{
    private readonly ReplicaSet _replicaSet;
    private readonly AnarchoRedisMetrics _metrics;
    private int _disposed;

    /// <summary>
    /// Connects to every node (in parallel, waiting at most <see cref="AnarchoRedisOptions.ConnectTimeout"/>) and
    /// creates the client. Unreachable nodes do not fail construction: they are retried in the background and
    /// their operations fail until they answer.
    /// </summary>
    /// <param name="options">The options; validated here.</param>
    /// <param name="loggerFactory">Logging, or <see langword="null"/> for none.</param>
    /// <param name="timeProvider">The clock for versions and expiry, or <see langword="null"/> for the system clock.</param>
    /// <param name="meterFactory">The DI meter factory, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public AnarchoRedisClient(
        AnarchoRedisOptions options,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null,
        IMeterFactory? meterFactory = null)
        : this(options, loggerFactory, timeProvider, meterFactory, ConnectNodes(options))
    {
        StartHealthAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    private AnarchoRedisClient(
        AnarchoRedisOptions options,
        ILoggerFactory? loggerFactory,
        TimeProvider? timeProvider,
        IMeterFactory? meterFactory,
        ReplicaSet replicaSet)
    {
        Options = options;
        var time = timeProvider ?? TimeProvider.System;
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("AnarchoRedis");
        _replicaSet = replicaSet;
        _metrics = new AnarchoRedisMetrics(meterFactory);
        Clock = new HybridLogicalClock(time, options.WriterId, options.MaxClockSkew);
        SerializerOptions = options.SerializerOptions ?? ValueCodec<object>.DefaultOptions;
        // The slot prefix is reserved whether or not this client keeps digests: another client of the nodes may.
        var keys = new KeySpace(options.MetaKeyPrefix, options.MaxKeyBytes, options.ListTombstonePrefix, options.SlotKeyPrefix, options.EpochKey, options.Hints.StreamPrefix, options.ListClaimPrefix);
        Keys = keys;
        SlotKeys = new SlotKeys(options.SlotKeyPrefix);
        Time = time;
        var slots = options.SlotDigests ? SlotKeys : null;
        var context = new ReplicationContext(replicaSet, keys, slots, Clock, options, _metrics, logger, time);
        ValueScripts = new ValueScripts(context);
        ValueRepair = new ValueRepair(context, ValueScripts);
        ValueReader = new ValueReader(context, ValueRepair);
        ValueWriter = new ValueWriter(context, ValueScripts);
        var listKeys = new ListKeys(keys, slots, options.EpochKey);
        ListRepair = new ListRepair(context, listKeys);
        ListReader = new ListReader(context, listKeys, ListRepair);
        ListWriter = new ListWriter(context, listKeys, ListReader);
        ListPopper = new ListPopper(context, listKeys, ListReader);
        HealthMonitor = new NodeHealthMonitor(replicaSet.Nodes, options, _metrics, logger, time);
        _metrics.ObserveNodes(replicaSet.Nodes.Select(INodeGauge (n) => n.Health).ToArray());
        foreach (var node in replicaSet.Nodes)
        {
            node.SlotRetrying += (n, retry) =>
            {
                _metrics.NodeRetry(n.Name, retry.Refusal);
                Log.SlotRefusalRetried(logger, n.Name, retry.Script, retry.Slot, retry.Refusal, retry.Attempt, retry.DelayMs);
            };
        }

        StartHints(logger);
        Log.Connected(logger, replicaSet.Count, string.Join(", ", replicaSet.Nodes.Select(n => $"{n.Name}{(n.IsConnected ? string.Empty : " (not yet)")}")));
    }

    /// <summary>Verifies the nodes' epochs and probes them in the background (empty-restart detection, circuits).</summary>
    internal NodeHealthMonitor HealthMonitor { get; }

    /// <summary>
    /// Each node's health as this client sees it now, in configuration order: whether its circuit is open (operations
    /// skip it), whether its epoch is verified and ready (its read answers count toward R) or it is refilling after an
    /// empty restart, its latency average, its consecutive failures and its epoch id.
    /// </summary>
    public System.Collections.Generic.IReadOnlyList<NodeHealthSnapshot> Health => _replicaSet.Nodes.Select(n => n.HealthSnapshot()).ToArray();

    /// <summary>The node connections, in configuration order (anti-entropy and tests run scripts on single nodes).</summary>
    internal System.Collections.Generic.IReadOnlyList<ReplicaNode> ReplicaNodes => _replicaSet.Nodes;

    /// <summary>The node names (endpoints), in configuration order.</summary>
    public System.Collections.Generic.IReadOnlyList<string> Nodes => _replicaSet.Nodes.Select(n => n.Name).ToArray();

    /// <summary>Connects to every node and creates the client without blocking a thread.</summary>
    /// <param name="options">The options; validated here.</param>
    /// <param name="loggerFactory">Logging, or <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock, or <see langword="null"/> for the system clock.</param>
    /// <param name="meterFactory">The DI meter factory, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait for the connections.</param>
    /// <returns>The client.</returns>
    public static async Task<AnarchoRedisClient> ConnectAsync(
        AnarchoRedisOptions options,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null,
        IMeterFactory? meterFactory = null,
        CancellationToken cancellationToken = default)
    {
        AnarchoRedisOptionsValidator.ThrowIfInvalid(options);
        var replicaSet = await ReplicaSet.ConnectAsync(options).WaitAsync(cancellationToken).ConfigureAwait(false);
        var client = new AnarchoRedisClient(options, loggerFactory, timeProvider, meterFactory, replicaSet);
        try
        {
            await client.StartHealthAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return client;
    }

    /// <summary>
    /// Verifies every node's epoch once (creating it on a new cluster, or filling on a node that lost its data) and
    /// starts the background prober. Nodes that do not answer stay unverified or open; the prober retries them.
    /// </summary>
    private async Task StartHealthAsync(CancellationToken cancellationToken)
    {
        await HealthMonitor.VerifyEpochsAsync(_replicaSet.Nodes, cancellationToken).ConfigureAwait(false);
        HealthMonitor.Start();
    }

    /// <summary>
    /// Creates a client whose node <c>i</c> answers through <paramref name="channels"/>[i] instead of a connection:
    /// for benchmarks of the per-operation path with the network replaced. The nodes are taken as verified and ready
    /// (a channel has no epoch key to read) and the background prober is not started; hints work as configured but
    /// durable ones need a database. Anti-entropy and anything else that needs <see cref="ReplicaNode.Database"/>
    /// throws <see cref="InvalidOperationException"/>.
    /// </summary>
    /// <param name="options">The options; validated here. <see cref="AnarchoRedisOptions.Nodes"/> names the nodes, one per channel.</param>
    /// <param name="channels">The nodes' channels, in the order of <see cref="AnarchoRedisOptions.Nodes"/>; their caller disposes them.</param>
    /// <param name="loggerFactory">Logging, or <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock, or <see langword="null"/> for the system clock.</param>
    /// <returns>The client.</returns>
    internal static AnarchoRedisClient CreateOverChannels(
        AnarchoRedisOptions options,
        System.Collections.Generic.IReadOnlyList<INodeChannel> channels,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        AnarchoRedisOptionsValidator.ThrowIfInvalid(options);
        var client = new AnarchoRedisClient(options, loggerFactory, timeProvider, meterFactory: null, ReplicaSet.FromChannels(channels, options));
        foreach (var node in client._replicaSet.Nodes)
        {
            node.Health.OnEpochVerified(ChannelEpochId, ready: true, node.Health.Generation, out _);
        }

        return client;
    }

    /// <summary>The epoch id recorded for nodes built over channels (32 hex digits, as a real epoch id).</summary>
    private const string ChannelEpochId = "00000000000000000000000000000000";

    private static ReplicaSet ConnectNodes(AnarchoRedisOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        AnarchoRedisOptionsValidator.ThrowIfInvalid(options);
        return ReplicaSet.ConnectAsync(options).GetAwaiter().GetResult();
    }

    /// <summary>Closes every node connection.</summary>
    /// <returns>A task that completes when closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await HealthMonitor.DisposeAsync().ConfigureAwait(false);
        await StopHintsAsync().ConfigureAwait(false);
        await _replicaSet.DisposeAsync().ConfigureAwait(false);
        _metrics.Dispose();
    }

    /// <summary>Closes every node connection.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
