using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// Replays hints as targeted repairs: every <see cref="HintOptions.ReplayInterval"/> it pings the nodes that have hints
/// pending (all nodes with durable hints on), and for each that answers compares every hinted key across the answering
/// nodes with the key repair anti-entropy uses (<see cref="KeyRepairer"/>): values get the newest copy, lists the
/// merge, on every node that differs. A node that does not answer, or whose replay fails, keeps its hints and is
/// skipped for a growing number of intervals (1, 2, 4 … 16). One replay runs at a time.
/// </summary>
internal sealed partial class HintReplayer : IAsyncDisposable
{
    private const int MaxBackoffIntervals = 16;
    /// <summary>How many hinted keys are repaired at once (their value reads and writes coalesce per node).</summary>
    private const int Parallelism = 64;

    private readonly ReplicaSet _nodes;
    private readonly HintRecorder _recorder;
    private readonly Func<KeyRepairer> _repairer;
    private readonly int _maxProblems;
    private readonly AnarchoRedisMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly int[] _skip;
    private readonly int[] _backoff;
    private readonly int[] _closures;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly ConcurrentDictionary<string, byte> _unknownTypesLogged = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    /// <param name="nodes">The replica set.</param>
    /// <param name="recorder">Where the hints are.</param>
    /// <param name="repairer">The key repair over the types hints may name, as they are when a round starts.</param>
    /// <param name="maxProblems">How many problems a key's repair keeps for its log.</param>
    /// <param name="metrics">The client's metrics.</param>
    /// <param name="time">The client's clock.</param>
    /// <param name="logger">The log.</param>
    public HintReplayer(ReplicaSet nodes, HintRecorder recorder, Func<KeyRepairer> repairer, int maxProblems, AnarchoRedisMetrics metrics, TimeProvider time, ILogger logger)
    {
        _nodes = nodes;
        _recorder = recorder;
        _repairer = repairer;
        _maxProblems = maxProblems;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _skip = new int[nodes.Count];
        _backoff = new int[nodes.Count];
        _closures = new int[nodes.Count];
        foreach (var node in nodes.Nodes)
        {
            node.Health.CircuitChanged += OnCircuitChanged;
            // A cluster node: a shard that answers again may be the one its hints were for.
            node.ShardCircuitChanged += OnCircuitChanged;
        }
    }

    /// <summary>
    /// A node whose circuit closed answers again: its back-off ends (a round that began before and found it silent does
    /// not set one again) and a round starts now rather than at the next tick, so that what it missed reaches it while
    /// the live writes it takes again are still the only other load on it.
    /// </summary>
    private void OnCircuitChanged(NodeHealth health, bool opened)
    {
        if (opened)
        {
            return;
        }

        foreach (var node in _nodes.Nodes)
        {
            if (ReferenceEquals(node.Health, health) || node.HasShardHealth(health))
            {
                Interlocked.Increment(ref _closures[node.Index]);
                Volatile.Write(ref _skip[node.Index], 0);
                Volatile.Write(ref _backoff[node.Index], 0);
            }
        }

        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A round is already due.
        }
        catch (ObjectDisposedException)
        {
            // Disposed.
        }
    }

    private enum Outcome : byte
    {
        Replayed,
        Failed,
        UnknownType,
    }

    /// <summary>Starts the schedule (on the real clock: it paces work, like the anti-entropy throttle).</summary>
    public void Start() => _loop = Task.Run(() => LoopAsync(_stop.Token));

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        var interval = _recorder.Options.ReplayInterval;
        try
        {
            while (true)
            {
                // Every interval, or at once when a node's circuit closes.
                await _wake.WaitAsync(interval, cancellationToken).ConfigureAwait(false);
                try
                {
                    await ReplayAsync(scheduled: true, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    Log.HintReplayRoundFailed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    /// <summary>
    /// Replays what is pending now. A scheduled round honours each node's back-off; an explicit one
    /// (<paramref name="scheduled"/> false) tries every node with hints.
    /// </summary>
    public async Task<HintReplayReport> ReplayAsync(bool scheduled, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var nodes = _nodes.Nodes;
            var store = _recorder.Store;
            var durable = _recorder.Options.Durable;
            var targets = new List<ReplicaNode>();
            var closures = new int[nodes.Count];
            for (var i = 0; i < closures.Length; i++)
            {
                closures[i] = Volatile.Read(ref _closures[i]);
            }

            foreach (var node in nodes)
            {
                if (!durable && store.Pending(node.Index) == 0)
                {
                    continue;
                }

                var skip = Volatile.Read(ref _skip[node.Index]);
                if (scheduled && skip > 0)
                {
                    // Not over a reset made meanwhile by the node's circuit closing (that reset wins).
                    Interlocked.CompareExchange(ref _skip[node.Index], skip - 1, skip);
                    continue;
                }

                targets.Add(node);
            }

            long replayed = 0, failed = 0;
            var unreachable = new List<string>();
            if (targets.Count > 0)
            {
                var answering = await PingAsync(nodes).ConfigureAwait(false);
                var live = nodes.Where(n => answering[n.Index]).ToArray();
                var repairer = _repairer();
                foreach (var target in targets)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (!answering[target.Index])
                    {
                        if (store.Pending(target.Index) > 0)
                        {
                            unreachable.Add(target.Name);
                            failed += store.Pending(target.Index);
                        }

                        BackOff(target, "no answer to PING", closures);
                        continue;
                    }

                    if (live.Length < _nodes.Majority)
                    {
                        Log.HintTooFewNodes(_logger, target.Name, live.Length, nodes.Count);
                        failed += store.Pending(target.Index);
                        BackOff(target, "too few nodes answer", closures);
                        continue;
                    }

                    var (memoryReplayed, memoryFailed) = await ReplayMemoryAsync(target, live, repairer, cancellationToken).ConfigureAwait(false);
                    var (durableReplayed, durableFailed) = durable
                        ? await ReplayDurableAsync(target, live, repairer, cancellationToken).ConfigureAwait(false)
                        : (0L, 0L);
                    replayed += memoryReplayed + durableReplayed;
                    failed += memoryFailed + durableFailed;
                    if (memoryFailed + durableFailed > 0)
                    {
                        BackOff(target, "a repair failed", closures);
                    }
                    else
                    {
                        _backoff[target.Index] = 0;
                    }

                    if (memoryReplayed + memoryFailed > 0)
                    {
                        Log.HintsReplayed(_logger, target.Name, memoryReplayed, "memory", memoryFailed, store.Pending(target.Index));
                    }

                    if (durableReplayed + durableFailed > 0)
                    {
                        Log.HintsReplayed(_logger, target.Name, durableReplayed, "durable", durableFailed, store.Pending(target.Index));
                    }
                }
            }

            long remaining = 0;
            foreach (var node in nodes)
            {
                remaining += store.Pending(node.Index);
            }

            return new HintReplayReport { Replayed = replayed, Failed = failed, Remaining = remaining, UnreachableNodes = unreachable };
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Skips the node for a growing number of rounds, unless its circuit closed since the round began (<paramref name="closures"/>).</summary>
    private void BackOff(ReplicaNode node, string reason, int[] closures)
    {
        if (Volatile.Read(ref _closures[node.Index]) != closures[node.Index])
        {
            return;
        }

        var intervals = Math.Min(Math.Max(_backoff[node.Index] * 2, 1), MaxBackoffIntervals);
        _backoff[node.Index] = intervals;
        _skip[node.Index] = intervals;
        Log.HintNodeNotAnswering(_logger, node.Name, reason, intervals);
    }

    /// <summary>Which nodes answer a PING now; a node whose circuit is open is not asked (the prober watches it).</summary>
    private static async Task<bool[]> PingAsync(IReadOnlyList<ReplicaNode> nodes)
    {
        var answering = new bool[nodes.Count];
        await Task.WhenAll(nodes.Select(async node =>
        {
            if (node.Health.IsOpen)
            {
                return;
            }

            try
            {
                await node.PingAsync().ConfigureAwait(false);
                answering[node.Index] = true;
            }
            catch (Exception)
            {
                // Not answering: its hints wait.
            }
        })).ConfigureAwait(false);
        return answering;
    }

    /// <summary>Replays the in-memory hints of a node, batch by batch, until none is left or a replay fails.</summary>
    private async Task<(long Replayed, long Failed)> ReplayMemoryAsync(ReplicaNode target, ReplicaNode[] live, KeyRepairer repairer, CancellationToken cancellationToken)
    {
        var store = _recorder.Store;
        long replayed = 0, failed = 0;

        // Hints recorded again while they are replayed stay pending; the budget keeps a hot key from holding the round.
        var budget = store.Pending(target.Index) + _recorder.Options.BatchSize;
        while (budget > 0)
        {
            var batch = store.Take(target.Index, Math.Min(_recorder.Options.BatchSize, budget));
            if (batch.Count == 0)
            {
                break;
            }

            budget -= batch.Count;
            var outcomes = await RepairAllAsync(batch.Select(h => (h.Key, h.TypeName)).ToArray(), target, live, repairer, cancellationToken).ConfigureAwait(false);
            long batchFailed = 0;
            for (var i = 0; i < batch.Count; i++)
            {
                if (outcomes[i] == Outcome.Replayed)
                {
                    store.Remove(target.Index, batch[i]);
                    replayed++;
                }
                else
                {
                    batchFailed++;
                }
            }

            failed += batchFailed;
            if (batchFailed > 0)
            {
                break;
            }
        }

        _recorder.Metrics.Replayed(target.Name, "memory", replayed);
        return (replayed, failed);
    }

    /// <summary>
    /// Targeted repairs of hinted keys: anti-entropy's comparison of each key over the answering nodes, in bulk (their
    /// metas read in one batch per node, <see cref="Parallelism"/> keys' repairs at once, so that their reads and writes
    /// coalesce per node). A key counts as replayed when the target was reached and nothing transient went wrong; a
    /// permanent problem (corrupt meta, a kind conflict) is reported by the comparison and is anti-entropy's to report
    /// again, so the hint is done. Each key has its own scope: one key's failure keeps only its own hint.
    /// </summary>
    private async Task<Outcome[]> RepairAllAsync((string Key, string Type)[] items, ReplicaNode target, ReplicaNode[] live, KeyRepairer repairer, CancellationToken cancellationToken)
    {
        var outcomes = new Outcome[items.Length];
        var repairs = new List<RepairItem>(items.Length);
        var positions = new List<int>(items.Length);
        for (var i = 0; i < items.Length; i++)
        {
            var (key, typeName) = items[i];
            if (!repairer.Registry.Repairs(typeName))
            {
                if (_unknownTypesLogged.TryAdd(typeName, 0))
                {
                    Log.HintUnknownType(_logger, target.Name, typeName, key);
                }

                outcomes[i] = Outcome.UnknownType;
                continue;
            }

            var scope = new RepairScope(_nodes.Nodes, _maxProblems, _metrics, _logger, _time);
            foreach (var node in _nodes.Nodes)
            {
                if (Array.IndexOf(live, node) < 0)
                {
                    scope.Exclude(node);
                }
            }

            repairs.Add(new RepairItem(key, live, null, scope));
            positions.Add(i);
        }

        await repairer.RepairManyAsync(repairs, Parallelism, cancellationToken).ConfigureAwait(false);
        for (var r = 0; r < repairs.Count; r++)
        {
            if (repairs[r].Scope.AnyFailed)
            {
                Log.HintReplayFailed(_logger, repairs[r].Key, target.Name);
                outcomes[positions[r]] = Outcome.Failed;
            }
            else
            {
                outcomes[positions[r]] = Outcome.Replayed;
            }
        }

        return outcomes;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes.Nodes)
        {
            node.Health.CircuitChanged -= OnCircuitChanged;
            node.ShardCircuitChanged -= OnCircuitChanged;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }

        _stop.Dispose();
        _wake.Dispose();
    }
}
