using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.Testing.Processes;

namespace AnarchoRedis.Testing;

/// <summary>
/// One shard of a <see cref="LocalReplica"/> in cluster mode: a primary redis-server and, with
/// <see cref="LocalClusterOptions.ShardReplicas"/> = 1, its replica; the hash slots it serves. Faults on one server
/// are the <see cref="LocalNode"/>'s own (<see cref="LocalNode.Kill"/>, <see cref="LocalNode.Pause"/>,
/// <see cref="LocalNode.RestartAsync"/>, ...); <see cref="FailoverAsync"/> swaps the primary and its replica.
/// For a standalone replica there is one shard, the node, with no slots.
/// </summary>
public sealed class LocalShard
{
    private readonly LocalNode[] _nodes;
    private readonly BitArray _slots = new(ClusterFormation.SlotCount);
    private readonly Lock _gate = new();
    private LocalNode _primary;

    internal LocalShard(int index, LocalNode[] nodes, SlotRange? slots)
    {
        Index = index;
        _nodes = nodes;
        _primary = nodes[0];
        if (slots is { } range)
        {
            for (var slot = range.Start; slot <= range.End; slot++)
            {
                _slots[slot] = true;
            }
        }
    }

    /// <summary>The shard's place in <see cref="LocalReplica.Shards"/>.</summary>
    public int Index { get; }

    /// <summary>The replica (one Redis Cluster) this shard belongs to.</summary>
    public LocalReplica Replica { get; internal set; } = null!;

    /// <summary>The shard's servers: the one started as primary first, then its replica (if any).</summary>
    public IReadOnlyList<LocalNode> Nodes => _nodes;

    /// <summary>
    /// The node the kit last knew as the shard's primary: the first one at start, updated by <see cref="FailoverAsync"/>
    /// and <see cref="FindPrimaryAsync"/> (an automatic failover after a kill is seen only by the latter).
    /// </summary>
    public LocalNode Primary => Volatile.Read(ref _primary);

    /// <summary>The hash slots the shard serves, as the kit assigned and moved them (empty for a standalone replica).</summary>
    public IReadOnlyList<SlotRange> SlotRanges
    {
        get
        {
            lock (_gate)
            {
                var ranges = new List<SlotRange>();
                for (var slot = 0; slot < ClusterFormation.SlotCount; slot++)
                {
                    if (!_slots[slot])
                    {
                        continue;
                    }

                    var start = slot;
                    while (slot + 1 < ClusterFormation.SlotCount && _slots[slot + 1])
                    {
                        slot++;
                    }

                    ranges.Add(new SlotRange(start, slot));
                }

                return ranges;
            }
        }
    }

    /// <summary>Whether the shard serves <paramref name="slot"/> (as the kit assigned and moved slots).</summary>
    /// <param name="slot">A hash slot, 0..16383.</param>
    /// <returns><see langword="true"/> when it does.</returns>
    public bool ServesSlot(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, ClusterFormation.SlotCount);
        lock (_gate)
        {
            return _slots[slot];
        }
    }

    /// <summary>
    /// Asks the shard's running, unpaused servers which one is the primary now (ROLE), preferring the one the kit knew,
    /// and remembers it as <see cref="Primary"/>.
    /// </summary>
    /// <param name="cancellationToken">Cancels the questions.</param>
    /// <returns>The primary.</returns>
    /// <exception cref="InvalidOperationException">No reachable server of the shard is a primary.</exception>
    public async Task<LocalNode> FindPrimaryAsync(CancellationToken cancellationToken = default)
    {
        if (!Replica.IsCluster)
        {
            return Primary;
        }

        foreach (var node in _nodes.OrderBy(n => n == Primary ? 0 : 1))
        {
            if (node.IsRunning && !node.IsPaused && await IsPrimaryAsync(node, cancellationToken).ConfigureAwait(false))
            {
                Volatile.Write(ref _primary, node);
                return node;
            }
        }

        throw new InvalidOperationException($"Shard {Index} of replica {Replica.Index} has no running primary.");
    }

    /// <summary>
    /// Makes the shard's replica its primary (CLUSTER FAILOVER on the replica; with FORCE when the primary is killed or
    /// paused, so the replica does not wait for it), waits until the replica says it is the primary and the cluster
    /// is stable again, and updates <see cref="Primary"/>. The old primary, when running, becomes the replica.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the replica serves the shard's slots.</returns>
    /// <exception cref="InvalidOperationException">Not in cluster mode, no replica (<see cref="LocalClusterOptions.ShardReplicas"/> = 0), or the replica is not running.</exception>
    /// <exception cref="TimeoutException">The failover did not finish within <see cref="LocalClusterOptions.StartTimeout"/>.</exception>
    public async Task FailoverAsync(CancellationToken cancellationToken = default)
    {
        if (!Replica.IsCluster || _nodes.Length < 2)
        {
            throw new InvalidOperationException($"Shard {Index} of replica {Replica.Index} has no replica to fail over to: start the cluster with ClusterMode and ShardReplicas = 1.");
        }

        var primary = Primary;
        if (primary.IsRunning && !primary.IsPaused)
        {
            primary = await FindPrimaryAsync(cancellationToken).ConfigureAwait(false);
        }

        var secondary = _nodes.First(n => n != primary);
        if (!secondary.IsRunning || secondary.IsPaused)
        {
            throw new InvalidOperationException($"Shard {Index}'s replica ({secondary}) is not running: it cannot take over.");
        }

        var cooperative = primary.IsRunning && !primary.IsPaused;
        _ = cooperative
            ? await secondary.AdminAsync(cancellationToken, "CLUSTER", "FAILOVER").ConfigureAwait(false)
            : await secondary.AdminAsync(cancellationToken, "CLUSTER", "FAILOVER", "FORCE").ConfigureAwait(false);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!await IsPrimaryAsync(secondary, cancellationToken).ConfigureAwait(false) ||
               (cooperative && await IsPrimaryAsync(primary, cancellationToken).ConfigureAwait(false)))
        {
            if (watch.Elapsed > secondary.StartTimeout)
            {
                throw new TimeoutException($"Shard {Index}'s replica ({secondary}) did not become primary within {secondary.StartTimeout.TotalSeconds:0.#} s.");
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }

        Volatile.Write(ref _primary, secondary);
        await ClusterFormation.WaitStableAsync(Replica, secondary.StartTimeout, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override string ToString() => $"replica {Replica.Index} shard {Index} [{string.Join(",", SlotRanges)}]";

    /// <summary>Moves <paramref name="slot"/> in the kit's bookkeeping.</summary>
    internal void SetSlot(int slot, bool served)
    {
        lock (_gate)
        {
            _slots[slot] = served;
        }
    }

    private static async Task<bool> IsPrimaryAsync(LocalNode node, CancellationToken cancellationToken)
    {
        var role = (object?[])(await node.AdminAsync(cancellationToken, "ROLE").ConfigureAwait(false))!;
        return Resp.Text(role[0]) == "master";
    }
}
