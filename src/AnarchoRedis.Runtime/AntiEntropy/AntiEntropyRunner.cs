using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AnarchoRedis;

/// <summary>
/// Runs anti-entropy passes: compares every node's keys (through slot digests, or SCAN when they are off) and repairs
/// what differs, including keys nobody reads; purges tombstones every node holds past the grace period. One pass runs
/// at a time per runner (the DI container holds one per process); a second caller waits for the first pass to end.
/// </summary>
public sealed class AntiEntropyRunner
{
    private readonly AnarchoRedisClient _client;
    private readonly ReplicatedTypeRegistry _registry;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private AntiEntropyReport? _lastReport;

    /// <summary>Creates a runner over a client; <paramref name="registry"/> tells it every key's type.</summary>
    /// <param name="client">The client (its nodes, options and clock).</param>
    /// <param name="registry">The replicated types this process knows; keys of other types are reported, never touched.</param>
    /// <param name="logger">Logging, or <see langword="null"/>.</param>
    public AntiEntropyRunner(AnarchoRedisClient client, ReplicatedTypeRegistry registry, ILogger<AntiEntropyRunner>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(registry);
        _client = client;
        _registry = registry;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The report of the last pass that ended, or <see langword="null"/> before the first.</summary>
    public AntiEntropyReport? LastReport => Volatile.Read(ref _lastReport);

    /// <summary>Runs one pass now (after any pass already running) and reports what it found and did.</summary>
    /// <param name="mode">How to find differing keys; <see cref="AntiEntropyPassMode.Auto"/> follows <see cref="AnarchoRedisOptions.SlotDigests"/>.</param>
    /// <param name="progress">Receives progress now and then, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the pass between keys; repairs already made stay made.</param>
    /// <returns>The pass report. Problems (unreachable nodes, unknown types, corrupt meta) are in it, not thrown.</returns>
    /// <exception cref="InvalidOperationException">A digest pass was asked for while <see cref="AnarchoRedisOptions.SlotDigests"/> is off.</exception>
    /// <exception cref="OperationCanceledException">The pass was cancelled.</exception>
    public async Task<AntiEntropyReport> RunPassAsync(AntiEntropyPassMode mode = AntiEntropyPassMode.Auto, IProgress<AntiEntropyProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var resolved = mode switch
        {
            AntiEntropyPassMode.Auto => _client.Options.SlotDigests ? AntiEntropyPassMode.Digests : AntiEntropyPassMode.Scan,
            AntiEntropyPassMode.Digests when !_client.Options.SlotDigests =>
                throw new InvalidOperationException("A digest pass needs SlotDigests on: with them off the write scripts keep no slot digests. Run a Scan pass."),
            AntiEntropyPassMode.Digests or AntiEntropyPassMode.Scan => mode,
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown pass mode."),
        };

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var modeName = resolved == AntiEntropyPassMode.Digests ? "digests" : "scan";
        var started = Stopwatch.GetTimestamp();
        using var span = AnarchoRedisTracing.StartPass(modeName);
        try
        {
            var time = _client.Time;
            var startedAt = time.GetUtcNow();
            var options = _client.Options.AntiEntropy;
            var state = new PassState(_client.ReplicaSet.Nodes, options, _client.Metrics, _logger, time, progress);
            var repairer = _client.CreateRepairer(_registry);

            // The epochs before the pass: a node filling now is ready after it if the pass reached every node and left
            // nothing unresolved, and only if its epoch is still this one (a node wiped again meanwhile stays filling).
            var epochs = await _client.HealthMonitor.VerifyEpochsAsync(_client.ReplicaSet.Nodes, cancellationToken).ConfigureAwait(false);
            // A Redis Cluster node keeps an epoch per slot: its filling slots (and those found without one) are ready
            // after a pass that ends clean, each only if its epoch id is still the one read here.
            var slotEpochs = await ReadSlotEpochsAsync(cancellationToken).ConfigureAwait(false);
            AntiEntropyLog.Started(_logger, resolved, _client.ReplicaSet.Count);
            // Data a node lost to eviction under an intact meta is invisible to the slot digests: looked for first.
            var swept = await new EvictionSweep(_client.Keys, _client.SlotKeys, repairer, state, _logger).RunAsync(state.Reachable(), cancellationToken).ConfigureAwait(false);
            int slotsCompared = 0, slotsDiffering = 0, slotsDue = 0;
            if (resolved == AntiEntropyPassMode.Digests)
            {
                var pass = new DigestPass(_client.SlotKeys, repairer, state, options);
                await pass.RunAsync(cancellationToken).ConfigureAwait(false);
                (slotsCompared, slotsDiffering, slotsDue) = (pass.SlotsCompared, pass.SlotsDiffering, pass.SlotsDue);
            }
            else
            {
                await new ScanPass(_client.Keys, _client.Options.TombstoneGracePeriod, repairer, state, options).RunAsync(cancellationToken).ConfigureAwait(false);
            }

            var report = state.ToReport(resolved, startedAt, Stopwatch.GetElapsedTime(started), slotsCompared, slotsDiffering, slotsDue);
            if (state.AllTookPart && report.ProblemCount == 0 && report.UnreachableNodes.Count == 0)
            {
                foreach (var (shard, evicted) in swept)
                {
                    shard.EvictionsVerified = evicted;
                }

                await MarkRefilledAsync(epochs, slotEpochs, cancellationToken).ConfigureAwait(false);
            }

            state.Phase(AntiEntropyPhase.Done, 0);
            Volatile.Write(ref _lastReport, report);
            _client.Metrics.AntiEntropySlotsDivergent(slotsDiffering);
            _client.Metrics.AntiEntropyKeysCompared(report.KeysCompared);
            var result = report.ProblemCount > 0 || report.UnreachableNodes.Count > 0 ? "problems" : report.KeysRepaired > 0 ? "repaired" : "clean";
            _client.Metrics.AntiEntropyPass(modeName, result, report.Duration);
            TagPass(span, report, result);
            AntiEntropyLog.Completed(_logger, report);
            return report;
        }
        catch (OperationCanceledException ex)
        {
            _client.Metrics.AntiEntropyPass(modeName, "cancelled", Stopwatch.GetElapsedTime(started));
            AnarchoRedisTracing.Outcome(span, "cancelled");
            AnarchoRedisTracing.Failed(span, ex);
            throw;
        }
        catch (Exception ex)
        {
            _client.Metrics.AntiEntropyPass(modeName, "failed", Stopwatch.GetElapsedTime(started));
            AnarchoRedisTracing.Outcome(span, "failed");
            AnarchoRedisTracing.Failed(span, ex);
            Log.AntiEntropyFailed(_logger, ex);
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Compares every node's slot digests and repairs nothing: which slots differ now. Cheap (16,384 small reads per node,
    /// pipelined) and read-only, for operators and dashboards. Slots written while it runs may show as differing for
    /// the moment a write takes to reach every node.
    /// </summary>
    /// <param name="progress">Receives progress (phase <see cref="AntiEntropyPhase.Discovering"/>, slots done), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the comparison.</param>
    /// <returns>The comparison. Unreachable nodes and unreadable digests are in it, not thrown.</returns>
    /// <exception cref="InvalidOperationException"><see cref="AnarchoRedisOptions.SlotDigests"/> is off, so the nodes keep no digests.</exception>
    /// <exception cref="OperationCanceledException">The comparison was cancelled.</exception>
    public async Task<SlotComparison> CompareSlotsAsync(IProgress<AntiEntropyProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (!_client.Options.SlotDigests)
        {
            throw new InvalidOperationException("Comparing slot digests needs SlotDigests on: with them off the write scripts keep no slot digests. Run a Scan pass.");
        }

        var time = _client.Time;
        var startedAt = time.GetUtcNow();
        var started = Stopwatch.GetTimestamp();
        var state = new PassState(_client.ReplicaSet.Nodes, _client.Options.AntiEntropy, _client.Metrics, _logger, time, progress);
        var pass = new DigestPass(_client.SlotKeys, _client.CreateRepairer(_registry), state, _client.Options.AntiEntropy, compareOnly: true);
        await pass.RunAsync(cancellationToken).ConfigureAwait(false);
        state.Phase(AntiEntropyPhase.Done, 0);
        return new SlotComparison
        {
            StartedAt = startedAt,
            Duration = Stopwatch.GetElapsedTime(started),
            Nodes = _client.ReplicaSet.Count,
            SlotsCompared = pass.SlotsCompared,
            DifferingSlots = pass.DifferingSlots,
            SlotsDue = pass.SlotsDue,
            UnreachableNodes = state.UnreachableNodes,
            ProblemCount = state.ProblemCount,
            Problems = state.Problems,
        };
    }

    /// <summary>Puts the pass report's counts on the pass's span, each named after its report property in snake_case.</summary>
    private static void TagPass(Activity? span, AntiEntropyReport report, string result)
    {
        if (span is null)
        {
            return;
        }

        span.SetTag("anarchoredis.outcome", result);
        span.SetTag("anarchoredis.antientropy.nodes", report.Nodes);
        span.SetTag("anarchoredis.antientropy.slots_compared", report.SlotsCompared);
        span.SetTag("anarchoredis.antientropy.slots_differing", report.SlotsDiffering);
        span.SetTag("anarchoredis.antientropy.slots_due", report.SlotsDue);
        span.SetTag("anarchoredis.antientropy.keys_compared", report.KeysCompared);
        span.SetTag("anarchoredis.antientropy.values_repaired", report.ValuesRepaired);
        span.SetTag("anarchoredis.antientropy.lists_repaired", report.ListsRepaired);
        span.SetTag("anarchoredis.antientropy.value_tombstones_purged", report.ValueTombstonesPurged);
        span.SetTag("anarchoredis.antientropy.list_tombstones_purged", report.ListTombstonesPurged);
        span.SetTag("anarchoredis.antientropy.empty_lists_dropped", report.EmptyListsDropped);
        span.SetTag("anarchoredis.antientropy.index_entries_dropped", report.IndexEntriesDropped);
        span.SetTag("anarchoredis.antientropy.unknown_keys", report.UnknownKeys);
        span.SetTag("anarchoredis.antientropy.problem_count", report.ProblemCount);
        span.SetTag("anarchoredis.antientropy.unreachable_nodes", report.UnreachableNodes.Count);
    }

    /// <summary>Sets every node that was filling at the start of the pass ready (conditionally on the epoch id seen then).</summary>
    private async Task MarkRefilledAsync(NodeEpoch[] epochs, IReadOnlyList<SlotEpoch>?[] slotEpochs, CancellationToken cancellationToken)
    {
        var nodes = _client.ReplicaSet.Nodes;
        for (var i = 0; i < nodes.Count; i++)
        {
            if (nodes[i].IsCluster)
            {
                if (slotEpochs[i] is { Count: > 0 } filling)
                {
                    await _client.HealthMonitor.MarkSlotsReadyAsync(nodes[i], filling, cancellationToken).ConfigureAwait(false);
                }
            }
            else if (epochs[i].IsFilling)
            {
                await _client.HealthMonitor.MarkReadyAsync(nodes[i], epochs[i].Id!, epochs[i].RunId, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Per node, the filling slots of a Redis Cluster node (null for a standalone node, or one whose slots could not all be read).</summary>
    private async Task<IReadOnlyList<SlotEpoch>?[]> ReadSlotEpochsAsync(CancellationToken cancellationToken)
    {
        var nodes = _client.ReplicaSet.Nodes;
        var result = new IReadOnlyList<SlotEpoch>?[nodes.Count];
        for (var i = 0; i < nodes.Count; i++)
        {
            if (nodes[i].IsCluster)
            {
                result[i] = await _client.HealthMonitor.ReadSlotEpochsAsync(nodes[i], cancellationToken).ConfigureAwait(false);
            }
        }

        return result;
    }
}
