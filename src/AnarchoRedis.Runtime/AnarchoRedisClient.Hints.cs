using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace AnarchoRedis;

/// <content>Hints: remembering the writes a node missed and replaying them when it answers again.</content>
public sealed partial class AnarchoRedisClient
{
    private ReplicatedTypeRegistry? _registry;
    private HintRecorder? _hintRecorder;
    private HintReplayer? _hintReplayer;

    /// <summary>The hint recorder, or <see langword="null"/> with <see cref="HintOptions.Enabled"/> off.</summary>
    internal HintRecorder? HintRecorder => _hintRecorder;

    /// <summary>
    /// In-memory hints pending per node name: keys a node missed a write of, waiting for a replay. Empty with
    /// <see cref="HintOptions.Enabled"/> off. Durable hints (kept on the nodes) are not counted here.
    /// </summary>
    public IReadOnlyDictionary<string, int> PendingHints =>
        _hintRecorder is { } recorder
            ? _replicaSet.Nodes.ToDictionary(n => n.Name, n => recorder.Store.Pending(n.Index), StringComparer.Ordinal)
            : new Dictionary<string, int>(StringComparer.Ordinal);

    /// <summary>
    /// Replays pending hints now (the replayer also runs on its own every <see cref="HintOptions.ReplayInterval"/>):
    /// for every node with hints that answers, each hinted key is compared across the answering nodes and the node is
    /// repaired with the newest value or the merged list, as anti-entropy would for that one key. With
    /// <see cref="HintOptions.Durable"/> on, the hint streams kept on the nodes are replayed too, whoever wrote them.
    /// </summary>
    /// <remarks>
    /// Hints name a key and its registered type. This client resolves type names through the registry given by
    /// dependency injection (<c>AddAnarchoRedis</c>), and through the descriptors of the stores it has handed out
    /// (<see cref="GetValueStore{T}"/>, <see cref="GetListStore{T}"/>); a durable hint of a type it knows neither way is
    /// left in its stream for a client that does (anti-entropy heals the key in any case).
    /// </remarks>
    /// <param name="cancellationToken">Stops the replay between keys; repairs made stay made, hints not replayed stay.</param>
    /// <returns>What was replayed, what failed (and is kept), and what remains.</returns>
    /// <exception cref="OperationCanceledException">The replay was cancelled.</exception>
    public Task<HintReplayReport> ReplayHintsAsync(CancellationToken cancellationToken = default) =>
        _hintReplayer is { } replayer
            ? replayer.ReplayAsync(scheduled: false, cancellationToken)
            : Task.FromResult(new HintReplayReport());

    /// <summary>Lets hint replays resolve the type names of every registered type (dependency injection calls it).</summary>
    internal void UseTypeRegistry(ReplicatedTypeRegistry registry) => _registry = registry;

    /// <summary>The types hint replays can repair: the injected registry's and those of the stores handed out.</summary>
    internal ReplicatedTypeRegistry HintTypeRegistry()
    {
        var known = _registry;
        var descriptors = _stores.Keys.ToArray();
        if (descriptors.Length == 0 && known is not null)
        {
            return known;
        }

        try
        {
            return new ReplicatedTypeRegistry([.. known?.Types ?? [], .. descriptors]);
        }
        catch (InvalidOperationException)
        {
            // Two types under one name: the injected registry is the authority (it would have failed at start-up itself).
            return known ?? new ReplicatedTypeRegistry();
        }
    }

    private void StartHints(ILogger logger)
    {
        if (!Options.Hints.Enabled)
        {
            return;
        }

        _hintRecorder = new HintRecorder(_replicaSet.Nodes, Options.Hints, _metrics.Meter, logger);
        ValueWriter.Hints = _hintRecorder;
        ListWriter.Hints = _hintRecorder;
        _hintReplayer = new HintReplayer(_replicaSet, _hintRecorder, () => CreateRepairer(HintTypeRegistry()), Options.AntiEntropy.MaxReportedProblems, _metrics, Time, logger);
        _hintReplayer.Start();
    }

    private async ValueTask StopHintsAsync()
    {
        if (_hintReplayer is { } replayer)
        {
            await replayer.DisposeAsync().ConfigureAwait(false);
        }

        if (_hintRecorder is { } recorder)
        {
            await recorder.FlushAsync(Options.NodeTimeout).ConfigureAwait(false);
        }
    }
}
