using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>What one node's epoch key held when it was verified; <see cref="Id"/> is <see langword="null"/> when the node could not be read.</summary>
internal readonly record struct NodeEpoch(string? Id, string? State, bool CreatedHere = false)
{
    public const string Ready = "ready";
    public const string Filling = "filling";

    public bool IsFilling => Id is not null && State == Filling;
}

/// <summary>
/// Owned by the client: verifies the nodes' epochs (empty-restart detection) when the client connects, when a node's
/// connection is restored, and every <see cref="NodeHealthOptions.ProbeInterval"/> in a background loop whose epoch
/// read (one HMGET per node) is also the probe that closes an open circuit. Logs and counts circuit transitions.
/// </summary>
internal sealed class NodeHealthMonitor : IAsyncDisposable
{
    /// <summary>How long a new cluster's bootstrap may take to reach every node before a node without an epoch is called wiped.</summary>
    private static readonly TimeSpan BootstrapSettle = TimeSpan.FromMilliseconds(250);

    private readonly IReadOnlyList<ReplicaNode> _nodes;
    private readonly AnarchoRedisMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly RedisKey _epochKey;
    private readonly RedisValue _metaPattern;
    private readonly TimeSpan _interval;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public NodeHealthMonitor(IReadOnlyList<ReplicaNode> nodes, AnarchoRedisOptions options, AnarchoRedisMetrics metrics, ILogger logger, TimeProvider time)
    {
        _nodes = nodes;
        _metrics = metrics;
        _logger = logger;
        _time = time;
        _epochKey = options.EpochKey;
        _metaPattern = options.MetaKeyPrefix + "*";
        _interval = options.Health.ProbeInterval;
        foreach (var node in nodes)
        {
            node.Health.CircuitChanged += OnCircuitChanged;
            node.ConnectionRestored += OnConnectionRestored;
        }
    }

    /// <summary>Starts the background prober.</summary>
    public void Start() => _loop ??= Task.Run(() => RunAsync(_stop.Token));

    /// <summary>One probe: verifies every node's epoch (an open circuit closes on the first answer).</summary>
    public Task ProbeAsync(CancellationToken cancellationToken) => VerifyEpochsAsync(_nodes, cancellationToken);

    /// <summary>
    /// Reads the epochs of <paramref name="nodes"/>, creates those that are absent (ready on a new cluster, filling on a
    /// node that lost its data) with a create-if-absent script, and records what each node holds in its health.
    /// </summary>
    /// <returns>Each configured node's epoch, in node order (<c>default</c> for nodes not asked or not answering).</returns>
    public async Task<NodeEpoch[]> VerifyEpochsAsync(IReadOnlyList<ReplicaNode> nodes, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var epochs = new NodeEpoch[_nodes.Count];
            var generations = new int[_nodes.Count];
            var absent = new bool[_nodes.Count];
            var answered = new bool[_nodes.Count];
            var reads = new Task[nodes.Count];
            for (var i = 0; i < nodes.Count; i++)
            {
                var node = nodes[i];
                generations[node.Index] = node.Health.Generation;
                reads[i] = ReadAsync(node, epochs, absent, answered);
            }

            await Task.WhenAll(reads).ConfigureAwait(false);

            // A node without an epoch lost its data if any node has one, or had one when this client last looked;
            // only on a cluster where no node ever had one is it new.
            var clusterHasEpochs = false;
            foreach (var node in _nodes)
            {
                clusterHasEpochs |= !string.IsNullOrEmpty(epochs[node.Index].Id) || node.Health.EpochId is not null;
            }

            if (clusterHasEpochs)
            {
                await SettleBootstrapAsync(nodes, epochs, absent, answered, cancellationToken).ConfigureAwait(false);
            }

            // Without any epoch known, a node is ready only on a new cluster: a majority of the nodes answered, none of
            // them holds anything (a wiped node and unreachable others look the same as a new cluster to a new client).
            var holdsData = clusterHasEpochs ? null : await NewClusterCheckAsync(nodes, answered, absent).ConfigureAwait(false);
            var creations = new List<Task>();
            foreach (var node in nodes)
            {
                if (absent[node.Index])
                {
                    var ready = holdsData is not null && (!holdsData.Contains(true) || holdsData[node.Index]);
                    creations.Add(CreateAsync(node, ready ? NodeEpoch.Ready : NodeEpoch.Filling, epochs));
                }
            }

            await Task.WhenAll(creations).ConfigureAwait(false);
            foreach (var node in nodes)
            {
                Apply(node, epochs[node.Index], generations[node.Index]);
            }

            return epochs;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Sets a filling node ready, only if its epoch is still <paramref name="seenId"/> (anti-entropy, after a pass that
    /// refilled it), and verifies it again so that this client's health follows at once.
    /// </summary>
    /// <returns>Whether the node was set ready.</returns>
    public async Task<bool> MarkReadyAsync(ReplicaNode node, string seenId, CancellationToken cancellationToken)
    {
        bool switched;
        try
        {
            var result = (RedisResult[])(await node.EvaluateOrReloadAsync(LuaScript.EpochReady, [_epochKey], [seenId, NowMs]).ConfigureAwait(false))!;
            switched = (long)result[0] == 1;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.EpochMarkReadyFailed(_logger, node.Name, seenId, ex);
            return false;
        }

        if (switched)
        {
            _metrics.EpochEvent(node.Name, "marked_ready");
            Log.EpochMarkedReady(_logger, node.Name, seenId);
        }

        await VerifyEpochsAsync([node], cancellationToken).ConfigureAwait(false);
        return switched;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            node.ConnectionRestored -= OnConnectionRestored;
            node.Health.CircuitChanged -= OnCircuitChanged;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        // _stop is not disposed: a connection event racing with disposal may still read its token.
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await ProbeAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    Log.ProbeFailed(_logger, ex);
                }
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    /// <summary>
    /// Before a node this client has never seen an epoch on is called wiped, looks at it once more after a short pause:
    /// a client bootstrapping a new cluster writes every node's epoch in parallel, and one that read the cluster halfway
    /// through would otherwise leave a new node filling (its reads not counted) until the next anti-entropy pass.
    /// </summary>
    private async Task SettleBootstrapAsync(IReadOnlyList<ReplicaNode> nodes, NodeEpoch[] epochs, bool[] absent, bool[] answered, CancellationToken cancellationToken)
    {
        var unseen = nodes.Where(n => absent[n.Index] && n.Health.EpochId is null).ToArray();
        if (unseen.Length == 0)
        {
            return;
        }

        await Task.Delay(BootstrapSettle, cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(unseen.Select(node =>
        {
            absent[node.Index] = false;
            return ReadAsync(node, epochs, absent, answered);
        })).ConfigureAwait(false);
    }

    /// <summary>
    /// When no node has (or had) an epoch: whether each answering node holds keys (DBSIZE), or <see langword="null"/> when
    /// the cluster cannot be called new. It can when every node was asked and a majority answered, all without an epoch:
    /// a wiped node whose peers are unreachable looks like a new cluster to a client that starts then, and only a
    /// majority of empty nodes cannot be that (it would be more wiped nodes than the N - W losses the guarantees allow).
    /// A node that holds replicated keys is an old replica (ready) and an empty one beside it lost its data (filling);
    /// only when none that answered holds any is the cluster new (<see cref="HoldsReplicatedKeysAsync"/>).
    /// </summary>
    private async Task<bool[]?> NewClusterCheckAsync(IReadOnlyList<ReplicaNode> nodes, bool[] answered, bool[] absent)
    {
        // Nodes that answered with something else than an epoch (a wrong type, a refused script) are not counted.
        var asked = _nodes.Where(n => answered[n.Index] && absent[n.Index]).ToArray();
        if (nodes.Count != _nodes.Count || asked.Length < (_nodes.Count / 2) + 1)
        {
            return null;
        }

        var holdsData = new bool[_nodes.Count];
        try
        {
            await Task.WhenAll(asked.Select(async node => holdsData[node.Index] = await HoldsReplicatedKeysAsync(node).ConfigureAwait(false))).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.EpochCheckFailed(_logger, "(new cluster check)", ex);
            return null;
        }

        return holdsData;
    }

    /// <summary>
    /// Whether a node holds meta keys of the library: SCAN for the meta prefix, at most 10 rounds of 1,000 keys. Other
    /// applications' keys do not count (a new cluster on databases shared with them is still new); a node too large to
    /// scan that far is taken to hold some (conservative: its empty peers start filling).
    /// </summary>
    private async Task<bool> HoldsReplicatedKeysAsync(ReplicaNode node)
    {
        var cursor = 0L;
        for (var round = 0; round < 10; round++)
        {
            var reply = (RedisResult[])(await node.Database.ExecuteAsync("SCAN", cursor, "MATCH", _metaPattern, "COUNT", 1000).ConfigureAwait(false))!;
            if (((RedisResult[])reply[1]!).Length > 0)
            {
                return true;
            }

            cursor = long.Parse((string)reply[0]!, System.Globalization.CultureInfo.InvariantCulture);
            if (cursor == 0)
            {
                return false;
            }
        }

        return true;
    }

    private async Task ReadAsync(ReplicaNode node, NodeEpoch[] epochs, bool[] absent, bool[] answered)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = (RedisResult[])(await node.EvaluateOrReloadAsync(LuaScript.EpochCheck, [_epochKey], [NowMs]).ConfigureAwait(false))!;
            node.Health.OnAnswer(started);
            answered[node.Index] = true;
            switch ((long)result[0])
            {
                case 0:
                    absent[node.Index] = true;
                    epochs[node.Index] = default;
                    return;
                case < 0:
                    epochs[node.Index] = new NodeEpoch(string.Empty, $"the epoch key is a Redis {(string?)result[1]}, not a hash");
                    return;
                case 2:
                    _metrics.EpochEvent(node.Name, "restarted");
                    Log.EpochRestarted(_logger, node.Name, (string?)result[1] ?? string.Empty);
                    break;
            }

            var id = (string?)result[1];
            epochs[node.Index] = string.IsNullOrEmpty(id) ? new NodeEpoch(string.Empty, null) : new NodeEpoch(id, (string?)result[2]);
        }
        catch (RedisServerException ex)
        {
            // WRONGTYPE: something else holds the epoch key's name. The node answers; its reads cannot count.
            node.Health.Observe(ex, started);
            answered[node.Index] = true;
            epochs[node.Index] = new NodeEpoch(string.Empty, ex.Message);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            node.Health.Observe(ex, started);
            Log.EpochCheckFailed(_logger, node.Name, ex);
        }
    }

    private async Task CreateAsync(ReplicaNode node, string state, NodeEpoch[] epochs)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        try
        {
            var result = (RedisResult[])(await node.EvaluateOrReloadAsync(LuaScript.EpochEnsure, [_epochKey], [id, state, NowMs]).ConfigureAwait(false))!;
            var code = (long)result[0];
            if (code < 0)
            {
                epochs[node.Index] = new NodeEpoch(string.Empty, $"the epoch key is a Redis {(string?)result[1]}, not a hash");
                return;
            }

            epochs[node.Index] = new NodeEpoch((string?)result[1], (string?)result[2], CreatedHere: code == 1);
            if (code == 1)
            {
                _metrics.EpochEvent(node.Name, state == NodeEpoch.Ready ? "created_ready" : "created_filling");
                if (state == NodeEpoch.Ready)
                {
                    Log.EpochCreatedReady(_logger, node.Name, id);
                }
                else
                {
                    Log.EpochCreatedFilling(_logger, node.Name, id);
                }
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.EpochCheckFailed(_logger, node.Name, ex);
        }
    }

    /// <summary>Records a node's epoch in its health (unless its connection dropped meanwhile).</summary>
    private void Apply(ReplicaNode node, NodeEpoch epoch, int generation)
    {
        if (epoch.Id is null)
        {
            return;
        }

        if (epoch.Id.Length != 32 || epoch.State is not (NodeEpoch.Ready or NodeEpoch.Filling))
        {
            var reason = epoch.Id.Length == 0 && epoch.State is not null
                ? epoch.State
                : $"the epoch key holds id '{epoch.Id}' and state '{epoch.State}', not one the library writes";
            if (node.Health.Epoch != NodeHealth.EpochStatus.Unverified || node.Health.IsOpen)
            {
                Log.EpochUnverifiable(_logger, node.Name, reason);
            }

            node.Health.OnEpochUnverifiable(generation);
            return;
        }

        var ready = epoch.State == NodeEpoch.Ready;
        var wasFilling = node.Health.Epoch == NodeHealth.EpochStatus.Filling;
        if (!node.Health.OnEpochVerified(epoch.Id, ready, generation, out var previous))
        {
            return;
        }

        // A new epoch this client created was logged when it was created (lost its data); "changed" is for one found.
        if (previous is not null && !epoch.CreatedHere)
        {
            _metrics.EpochEvent(node.Name, "changed");
            Log.EpochChanged(_logger, node.Name, epoch.Id, epoch.State!, previous);
        }
        else if (ready && wasFilling)
        {
            _metrics.EpochEvent(node.Name, "ready");
            Log.EpochBecameReady(_logger, node.Name, epoch.Id);
        }
    }

    private void OnConnectionRestored(ReplicaNode node)
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await VerifyEpochsAsync([node], _stop.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                // The client is being disposed (its connections may be closed already).
            }
            catch (Exception ex)
            {
                Log.ProbeFailed(_logger, ex);
            }
        });
    }

    private void OnCircuitChanged(NodeHealth health, bool opened)
    {
        _metrics.CircuitTransition(health.Name, opened);
        if (opened)
        {
            Log.CircuitOpened(_logger, health.Name, health.ConsecutiveFailures);
        }
        else
        {
            Log.CircuitClosed(_logger, health.Name, health.State);
        }
    }
}
