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
internal readonly record struct NodeEpoch(string? Id, string? State, bool CreatedHere = false, string RunId = "")
{
    public const string Ready = "ready";
    public const string Filling = "filling";

    public bool IsFilling => Id is not null && State == Filling;
}

/// <summary>
/// Owned by the client: verifies the nodes' epochs (empty-restart detection) when the client connects, when a node's
/// connection is restored, and every <see cref="NodeHealthOptions.ProbeInterval"/> in a background loop whose epoch
/// read (one epoch_check.lua call per node) is also the probe that closes an open circuit. Logs and counts circuit
/// transitions.
/// </summary>
internal sealed partial class NodeHealthMonitor : IAsyncDisposable
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
    private readonly bool _writeEpochs;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Per node: the ticket of its last epoch read sent, and of the last one applied (under its own lock).</summary>
    private readonly long[] _tickets;
    private readonly long[] _applied;
    private readonly Lock _applyLock = new();

    /// <summary>Per node: 1 while the background prober's read of it is in flight (a hung node is not asked again meanwhile).</summary>
    private readonly int[] _probing;
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
        _writeEpochs = options.Health.WriteEpochs;
        _tickets = new long[nodes.Count];
        _applied = new long[nodes.Count];
        _probing = new int[nodes.Count];
        _probeTurns = new int[nodes.Count];
        foreach (var node in nodes)
        {
            node.Health.CircuitChanged += OnCircuitChanged;
            node.ShardCircuitChanged += OnCircuitChanged;
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
    /// <remarks>
    /// A node that holds an epoch is settled by its own answer, as soon as it comes: its circuit closes without waiting
    /// for a hung peer's read to time out (waiting kept every circuit of a client open that long, so every operation
    /// failed). Verifications may overlap; an answer is applied only when no later-sent read of that node was applied
    /// before it. Only the decision about nodes without an epoch (new cluster, or wiped) waits for every answer, and
    /// runs one at a time.
    /// </remarks>
    /// <param name="nodes">The nodes to read.</param>
    /// <param name="cancellationToken">Cancels the wait (a read already sent still completes).</param>
    /// <param name="onRead">
    /// Called with each node once its read ended (answered or failed). Given by the background prober, whose rounds also
    /// skip the decision about nodes without an epoch while another one is under way.
    /// </param>
    /// <returns>Each configured node's epoch, in node order (<c>default</c> for nodes not asked or not answering).</returns>
    public async Task<NodeEpoch[]> VerifyEpochsAsync(IReadOnlyList<ReplicaNode> nodes, CancellationToken cancellationToken, Action<ReplicaNode>? onRead = null)
    {
        var reads = new EpochReads(_nodes.Count);
        await Task.WhenAll(nodes.Select(node => ReadAndApplyAsync(node, reads, onRead))).ConfigureAwait(false);
        var epochs = reads.Epochs;
        if (!nodes.Any(n => reads.Absent[n.Index]))
        {
            return epochs;
        }

        if (!_writeEpochs)
        {
            // An observer creates nothing: a node without an epoch is (or becomes, if it lost it) unverified.
            foreach (var node in nodes)
            {
                if (reads.Absent[node.Index])
                {
                    Apply(node, epochs[node.Index] with { Id = "", State = "it holds no epoch key, and this client does not write epochs" }, reads.Generations[node.Index], reads.Tickets[node.Index]);
                }
            }

            return epochs;
        }

        // A background round does not queue behind a decision already under way (it would decide from the same answers,
        // and rounds come every probe interval); it leaves the node to the next round.
        if (onRead is not null)
        {
            if (!await _gate.WaitAsync(0, cancellationToken).ConfigureAwait(false))
            {
                return epochs;
            }
        }
        else
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            // A node without an epoch lost its data if any node has one, or had one when this client last looked;
            // only on a cluster where no node ever had one is it new.
            var clusterHasEpochs = false;
            foreach (var node in _nodes)
            {
                clusterHasEpochs |= !string.IsNullOrEmpty(epochs[node.Index].Id) || node.Health.EpochId is not null;
            }

            if (clusterHasEpochs)
            {
                await SettleBootstrapAsync(nodes, reads, cancellationToken).ConfigureAwait(false);
            }

            // Without any epoch known, a node is ready only on a new cluster: a majority of the nodes answered, none of
            // them holds anything (a wiped node and unreachable others look the same as a new cluster to a new client).
            var holdsData = clusterHasEpochs ? null : await NewClusterCheckAsync(nodes, reads).ConfigureAwait(false);
            var creations = new List<Task>();
            foreach (var node in nodes)
            {
                if (reads.Absent[node.Index])
                {
                    var ready = holdsData is not null && (!holdsData.Contains(true) || holdsData[node.Index]);
                    creations.Add(CreateAsync(node, ready ? NodeEpoch.Ready : NodeEpoch.Filling, epochs));
                }
            }

            await Task.WhenAll(creations).ConfigureAwait(false);
            foreach (var node in nodes)
            {
                if (!reads.Applied[node.Index])
                {
                    Apply(node, epochs[node.Index], reads.Generations[node.Index], reads.Tickets[node.Index]);
                }
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
    public async Task<bool> MarkReadyAsync(ReplicaNode node, string seenId, string seenRunId, CancellationToken cancellationToken)
    {
        if (!_writeEpochs)
        {
            // An observer's pass leaves the decision to the application's clients (their next pass).
            return false;
        }

        bool switched;
        try
        {
            var result = (RedisResult[])(await node.EvaluateOrReloadAsync(LuaScript.EpochReady, [_epochKey], [seenId, NowMs, seenRunId]).ConfigureAwait(false))!;
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
            node.ShardCircuitChanged -= OnCircuitChanged;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        // _stop is not disposed: a connection event racing with disposal may still read its token.
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                // Every node whose last probe has answered is asked again; the round is not awaited, so a hung node
                // (its read waits for the node timeout) neither delays the next round nor the others' answers.
                var idle = _nodes.Where(n => Interlocked.CompareExchange(ref _probing[n.Index], 1, 0) == 0).ToArray();
                if (idle.Length > 0)
                {
                    _ = ProbeRoundAsync(idle, cancellationToken);
                }
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    private async Task ProbeRoundAsync(ReplicaNode[] nodes, CancellationToken cancellationToken)
    {
        try
        {
            await VerifyEpochsAsync(nodes, cancellationToken, node => Volatile.Write(ref _probing[node.Index], 0)).ConfigureAwait(false);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Disposed.
        }
        catch (Exception ex)
        {
            Log.ProbeFailed(_logger, ex);
        }
    }

    /// <summary>
    /// Before a node this client has never seen an epoch on is called wiped, looks at it once more after a short pause:
    /// a client bootstrapping a new cluster writes every node's epoch in parallel, and one that read the cluster halfway
    /// through would otherwise leave a new node filling (its reads not counted) until the next anti-entropy pass.
    /// </summary>
    private async Task SettleBootstrapAsync(IReadOnlyList<ReplicaNode> nodes, EpochReads reads, CancellationToken cancellationToken)
    {
        var unseen = nodes.Where(n => reads.Absent[n.Index] && n.Health.EpochId is null).ToArray();
        if (unseen.Length == 0)
        {
            return;
        }

        await Task.Delay(BootstrapSettle, cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(unseen.Select(node =>
        {
            reads.Absent[node.Index] = false;
            return ReadAndApplyAsync(node, reads, onRead: null);
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
    private async Task<bool[]?> NewClusterCheckAsync(IReadOnlyList<ReplicaNode> nodes, EpochReads reads)
    {
        // Nodes that answered with something else than an epoch (a wrong type, a refused script) are not counted. A
        // round that did not ask every node (a background round leaves out a node whose last read is still under way:
        // slow, not absent, and perhaps about to name an epoch) cannot call the cluster new.
        var asked = _nodes.Where(n => reads.Answered[n.Index] && reads.Absent[n.Index]).ToArray();
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
        if (!node.IsCluster)
        {
            return await ScanForMetaKeysAsync((command, args) => node.Database.ExecuteAsync(command, args)).ConfigureAwait(false);
        }

        // SCAN is keyless: on a cluster it must run on every shard (each holds its own slots' keys).
        var shards = await node.RefreshShardsAsync().ConfigureAwait(false);
        var holds = await Task.WhenAll(shards.Select(s => ScanForMetaKeysAsync((command, args) => s.Server.ExecuteAsync(command, args)))).ConfigureAwait(false);
        return holds.Contains(true);
    }

    private async Task<bool> ScanForMetaKeysAsync(Func<string, object[], Task<RedisResult>> execute)
    {
        var cursor = 0L;
        for (var round = 0; round < 10; round++)
        {
            var reply = (RedisResult[])(await execute("SCAN", [cursor, "MATCH", _metaPattern, "COUNT", 1000]).ConfigureAwait(false))!;
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

    /// <summary>
    /// Reads one node's epoch into <paramref name="reads"/> and, when it holds one, applies it at once (ordered by
    /// ticket: the read sent later wins).
    /// </summary>
    private async Task ReadAndApplyAsync(ReplicaNode node, EpochReads reads, Action<ReplicaNode>? onRead)
    {
        try
        {
            // The ticket first: a read that takes its generation after a newer read's ticket cannot outrank it.
            reads.Tickets[node.Index] = Interlocked.Increment(ref _tickets[node.Index]);
            reads.Generations[node.Index] = node.Health.Generation;
            await ReadAsync(node, reads.Epochs, reads.Absent, reads.Answered).ConfigureAwait(false);
        }
        finally
        {
            onRead?.Invoke(node);
        }

        if (!reads.Absent[node.Index] && reads.Epochs[node.Index].Id is not null)
        {
            reads.Applied[node.Index] = true;
            Apply(node, reads.Epochs[node.Index], reads.Generations[node.Index], reads.Tickets[node.Index]);
        }
    }

    private async Task ReadAsync(ReplicaNode node, NodeEpoch[] epochs, bool[] absent, bool[] answered)
    {
        if (node.IsCluster)
        {
            await ReadClusterAsync(node, epochs, absent, answered).ConfigureAwait(false);
            return;
        }

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
            epochs[node.Index] = string.IsNullOrEmpty(id) ? new NodeEpoch(string.Empty, null) : new NodeEpoch(id, (string?)result[2], RunId: result.Length > 3 ? (string?)result[3] ?? string.Empty : string.Empty);
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
            if (!_stop.IsCancellationRequested)
            {
                // (A read still under way when the client is disposed fails as its connection closes: not news.)
                Log.EpochCheckFailed(_logger, node.Name, ex);
            }
        }
    }

    private async Task CreateAsync(ReplicaNode node, string state, NodeEpoch[] epochs)
    {
        var id = NewId();
        if (node.IsCluster)
        {
            await CreateClusterAsync(node, id, state, epochs).ConfigureAwait(false);
            return;
        }

        try
        {
            var result = (RedisResult[])(await node.EvaluateOrReloadAsync(LuaScript.EpochEnsure, [_epochKey], [id, state, NowMs]).ConfigureAwait(false))!;
            var code = (long)result[0];
            if (code < 0)
            {
                epochs[node.Index] = new NodeEpoch(string.Empty, $"the epoch key is a Redis {(string?)result[1]}, not a hash");
                return;
            }

            epochs[node.Index] = new NodeEpoch((string?)result[1], (string?)result[2], CreatedHere: code == 1, RunId: result.Length > 4 ? (string?)result[4] ?? string.Empty : string.Empty);
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

    /// <summary>
    /// Records a node's epoch in its health, unless its connection dropped meanwhile or the answer to a read of it sent
    /// later was recorded already (verifications overlap; the later read saw the later state).
    /// </summary>
    private void Apply(ReplicaNode node, NodeEpoch epoch, int generation, long ticket)
    {
        if (epoch.Id is null)
        {
            return;
        }

        lock (_applyLock)
        {
            // An answer the node's health refused (its connection dropped since the read) does not hold back a later one.
            if (ticket > _applied[node.Index] && ApplyLocked(node, epoch, epoch.Id, generation))
            {
                _applied[node.Index] = ticket;
            }
        }
    }

    /// <returns>Whether the node's health took the answer (not when its connection dropped after the read was sent).</returns>
    private bool ApplyLocked(ReplicaNode node, NodeEpoch epoch, string id, int generation)
    {
        if (id.Length != 32 || epoch.State is not (NodeEpoch.Ready or NodeEpoch.Filling))
        {
            var reason = id.Length == 0 && epoch.State is not null
                ? epoch.State
                : $"the epoch key holds id '{id}' and state '{epoch.State}', not one the library writes";
            if (node.Health.Epoch != NodeHealth.EpochStatus.Unverified || node.Health.IsOpen)
            {
                Log.EpochUnverifiable(_logger, node.Name, reason);
            }

            return node.Health.OnEpochUnverifiable(generation);
        }

        var ready = epoch.State == NodeEpoch.Ready;
        var wasFilling = node.Health.Epoch == NodeHealth.EpochStatus.Filling;
        if (!node.Health.OnEpochVerified(id, ready, generation, out var previous))
        {
            return false;
        }

        // A new epoch this client created was logged when it was created (lost its data); "changed" is for one found.
        if (previous is not null && !epoch.CreatedHere)
        {
            _metrics.EpochEvent(node.Name, "changed");
            Log.EpochChanged(_logger, node.Name, id, epoch.State!, previous);
        }
        else if (ready && wasFilling)
        {
            _metrics.EpochEvent(node.Name, "ready");
            Log.EpochBecameReady(_logger, node.Name, id);
        }

        return true;
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

    /// <summary>What one verification read from each node (indexed by node index).</summary>
    private sealed class EpochReads(int count)
    {
        public NodeEpoch[] Epochs { get; } = new NodeEpoch[count];

        public int[] Generations { get; } = new int[count];

        public long[] Tickets { get; } = new long[count];

        public bool[] Absent { get; } = new bool[count];

        public bool[] Answered { get; } = new bool[count];

        public bool[] Applied { get; } = new bool[count];
    }
}
