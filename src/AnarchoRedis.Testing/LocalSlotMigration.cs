using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.Testing.Processes;

namespace AnarchoRedis.Testing;

/// <summary>
/// A slot being moved between two shards of one replica (<see cref="LocalReplica.BeginSlotMigrationAsync"/>): until
/// <see cref="CompleteAsync"/>, the source still serves the slot, and answers ASK for keys already moved.
/// </summary>
public sealed class LocalSlotMigration
{
    private const int Batch = 100;
    private readonly LocalNode _source;
    private readonly LocalNode _target;

    internal LocalSlotMigration(int slot, LocalShard from, LocalShard to, LocalNode source, LocalNode target)
    {
        Slot = slot;
        From = from;
        To = to;
        _source = source;
        _target = target;
    }

    /// <summary>The slot.</summary>
    public int Slot { get; }

    /// <summary>The shard it moves from.</summary>
    public LocalShard From { get; }

    /// <summary>The shard it moves to.</summary>
    public LocalShard To { get; }

    /// <summary>Whether <see cref="CompleteAsync"/> has finished.</summary>
    public bool IsCompleted { get; private set; }

    /// <summary>Moves up to <paramref name="maxKeys"/> of the slot's keys to the target (MIGRATE ... REPLACE KEYS, in batches of 100).</summary>
    /// <param name="maxKeys">The most keys to move.</param>
    /// <param name="cancellationToken">Cancels between batches.</param>
    /// <returns>How many keys moved (0 when none was left).</returns>
    public async Task<int> MigrateKeysAsync(int maxKeys, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxKeys);
        var moved = 0;
        while (moved < maxKeys)
        {
            var keys = (object?[])(await _source.AdminAsync(cancellationToken, "CLUSTER", "GETKEYSINSLOT", Slot, Math.Min(Batch, maxKeys - moved)).ConfigureAwait(false))!;
            if (keys.Length == 0)
            {
                break;
            }

            var arguments = new List<object> { "MIGRATE", "127.0.0.1", _target.Port, string.Empty, 0, 5000, "REPLACE" };
            if (_source.Password is { } password)
            {
                arguments.Add("AUTH");
                arguments.Add(password);
            }

            arguments.Add("KEYS");
            arguments.AddRange(keys.Select(k => (object)k!));
            _ = await _source.AdminAsync(cancellationToken, [.. arguments]).ConfigureAwait(false);
            moved += keys.Length;
        }

        return moved;
    }

    /// <summary>
    /// Moves the slot's remaining keys, gives the slot to the target (SETSLOT NODE on the target, the source, then every
    /// other reachable primary), updates the shards' <see cref="LocalShard.SlotRanges"/>, and waits until every
    /// reachable node agrees. Nothing when already completed.
    /// </summary>
    /// <param name="cancellationToken">Cancels the move.</param>
    /// <returns>A task that completes when the slot is moved.</returns>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        if (IsCompleted)
        {
            return;
        }

        _ = await MigrateKeysAsync(int.MaxValue, cancellationToken).ConfigureAwait(false);
        var targetId = _target.ClusterNodeId!;
        _ = await _target.AdminAsync(cancellationToken, "CLUSTER", "SETSLOT", Slot, "NODE", targetId).ConfigureAwait(false);
        _ = await _source.AdminAsync(cancellationToken, "CLUSTER", "SETSLOT", Slot, "NODE", targetId).ConfigureAwait(false);
        foreach (var node in From.Replica.Nodes.Where(n => n != _source && n != _target && n.IsRunning && !n.IsPaused))
        {
            try
            {
                _ = await node.AdminAsync(cancellationToken, "CLUSTER", "SETSLOT", Slot, "NODE", targetId).ConfigureAwait(false);
            }
            catch (RespErrorException)
            {
                // A replica refuses SETSLOT; it learns the new owner from its primary.
            }
        }

        From.SetSlot(Slot, served: false);
        To.SetSlot(Slot, served: true);
        IsCompleted = true;
        await From.Replica.WaitUntilStableAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override string ToString() => $"slot {Slot}: {From} -> {To}{(IsCompleted ? " (completed)" : string.Empty)}";
}
