using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>A slot's epoch on a Redis Cluster node, as read at the start of an anti-entropy pass.</summary>
/// <param name="Slot">The slot.</param>
/// <param name="Id">Its epoch's id.</param>
/// <param name="RunId">The run id its epoch was confirmed under ('' when none): a restart noticed later restamps it.</param>
internal readonly record struct SlotEpoch(int Slot, string Id, string RunId);

/// <summary>
/// Epochs of nodes that are Redis Clusters. Such a node keeps one epoch key per hash slot (<see cref="EpochKeys"/>), on the
/// shard that owns the slot: a wiped shard loses exactly its own slots' epochs, a restarted or failed-over shard keeps
/// epochs written under another server process (another run id), and a slot that migrates takes its epoch with it.
/// A probe reads one slot's epoch per shard (a different slot each round) with epoch_check.lua; a shard found without
/// one, or restarted, has every slot's epoch made filling (epoch_refill.lua), so that its reads stop counting (the read
/// scripts check their slot's epoch in the same atomic step) while the node's other shards go on serving. An
/// anti-entropy pass reads every slot's epoch first and sets the filling ones ready when it ends clean.
/// </summary>
internal sealed partial class NodeHealthMonitor
{
    /// <summary>How many epoch scripts are in flight at once while a shard's slots are swept.</summary>
    private const int SweepWindow = 512;

    /// <summary>Per node: the probe round, which picks the slot each shard is probed on.</summary>
    private readonly int[] _probeTurns;

    /// <summary>Per shard health record: the server run id this client last verified the shard's epochs under.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<NodeHealth, string> _shardRunIds = new();

    /// <summary>
    /// The epoch id a cluster node's own health carries: stable per node name (the node's slots carry their own ids, and
    /// its shards' health records the one each was last verified with).
    /// </summary>
    internal static string ClusterEpochId(ReplicaNode node) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("anarchoredis-cluster:" + node.Name)))[..32];

    /// <summary>
    /// Reads every slot's epoch of a cluster node (pipelined HMGETs, routed to each slot's shard), makes those found
    /// missing filling, and returns the slots that are filling with their ids: an anti-entropy pass that ends clean sets
    /// them ready (<see cref="MarkSlotsReadyAsync"/>). <see langword="null"/> when some slot could not be read.
    /// </summary>
    public async Task<IReadOnlyList<SlotEpoch>?> ReadSlotEpochsAsync(ReplicaNode node, CancellationToken cancellationToken)
    {
        var keys = node.SlotEpochs!;
        var filling = new List<SlotEpoch>();
        try
        {
            var missing = await ReadFillingAsync(node, keys, Enumerable.Range(0, HashSlot.Count).ToArray(), filling, cancellationToken).ConfigureAwait(false);
            if (missing.Count > 0 && _writeEpochs)
            {
                var id = NewId();
                await SweepAsync(node, missing, id).ConfigureAwait(false);
                _metrics.EpochEvent(node.Name, "created_filling");
                Log.EpochCreatedFilling(_logger, $"{node.Name} ({missing.Count} slots)", id);
                // Read back: the id and run id each slot has now (another client may have created it first).
                await ReadFillingAsync(node, keys, [.. missing], filling, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.EpochCheckFailed(_logger, node.Name, ex);
            return null;
        }

        return filling;
    }

    /// <summary>Reads the given slots' epochs; adds the filling ones to <paramref name="filling"/> and returns the missing slots.</summary>
    private static async Task<List<int>> ReadFillingAsync(ReplicaNode node, EpochKeys keys, int[] slots, List<SlotEpoch> filling, CancellationToken cancellationToken)
    {
        var missing = new List<int>();
        for (var from = 0; from < slots.Length; from += SweepWindow)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var reads = new Task<RedisValue[]>[Math.Min(SweepWindow, slots.Length - from)];
            for (var i = 0; i < reads.Length; i++)
            {
                reads[i] = node.Database.HashGetAsync(keys.Marker(slots[from + i]), ["id", "state", "rid"]);
            }

            await Task.WhenAll(reads).ConfigureAwait(false);
            for (var i = 0; i < reads.Length; i++)
            {
                var fields = reads[i].Result;
                if (fields[0].IsNull)
                {
                    missing.Add(slots[from + i]);
                }
                else if (fields[1] == NodeEpoch.Filling)
                {
                    filling.Add(new SlotEpoch(slots[from + i], (string)fields[0]!, (string?)fields[2] ?? string.Empty));
                }
            }
        }

        return missing;
    }

    /// <summary>Sets the given filling slots of a cluster node ready, each only if its epoch id is still the one seen.</summary>
    public async Task<int> MarkSlotsReadyAsync(ReplicaNode node, IReadOnlyList<SlotEpoch> slots, CancellationToken cancellationToken)
    {
        if (!_writeEpochs || slots.Count == 0)
        {
            return 0;
        }

        var now = NowMs;
        var switched = 0;
        try
        {
            // An epoch confirmed under another live primary's run id came with its slot (migrated): it may be set ready.
            var live = await LiveRunIdsAsync(node).ConfigureAwait(false);
            switched = await RunOverSlotsAsync(node, LuaScript.EpochReady, slots.Count, i => slots[i].Slot, i => [slots[i].Id, now, slots[i].RunId, .. live], cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.EpochMarkReadyFailed(_logger, node.Name, "(slots)", ex);
        }

        if (switched > 0)
        {
            _metrics.EpochEvent(node.Name, "marked_ready");
            Log.EpochMarkedReady(_logger, $"{node.Name} ({switched} slots)", "(per slot)");
        }

        await VerifyEpochsAsync([node], cancellationToken).ConfigureAwait(false);
        return switched;
    }

    /// <summary>
    /// One verification of a cluster node: the cluster's configuration, then one slot's epoch per shard. The node is
    /// absent (new, or wiped whole) when every shard answered without one; a shard without one while others have theirs
    /// was wiped, and a shard that restarted may hold old data: either has all its slots made filling.
    /// </summary>
    private async Task ReadClusterAsync(ReplicaNode node, NodeEpoch[] epochs, bool[] absent, bool[] answered)
    {
        IReadOnlyList<ReplicaShard> shards;
        try
        {
            shards = await node.RefreshShardsAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.EpochCheckFailed(_logger, node.Name, ex);
            return;
        }

        if (shards.Count == 0)
        {
            return;
        }

        var turn = Interlocked.Increment(ref _probeTurns[node.Index]);
        var probes = await Task.WhenAll(shards.Select(shard => ProbeShardAsync(node, shard, turn))).ConfigureAwait(false);
        var reached = probes.Where(p => p.Answered).ToArray();
        if (reached.Length == 0)
        {
            return;
        }

        answered[node.Index] = true;
        if (reached.All(p => p.Absent))
        {
            // Every shard that answered is without epochs: the whole node is new or wiped (decided with the other nodes),
            // or, with a shard unreachable, cannot be told yet.
            absent[node.Index] = reached.Length == shards.Count;
            return;
        }

        var anyReady = false;
        var live = reached.Select(p => p.ServerRunId).Where(r => r.Length > 0).ToHashSet(StringComparer.Ordinal);
        foreach (var probe in reached)
        {
            var health = node.HealthOf(probe.Shard);
            var restarted = !probe.Absent && Restarted(probe, health, live);
            if (probe.Absent || restarted)
            {
                if (!_writeEpochs)
                {
                    health.OnEpochUnverifiable(probe.Generation);
                    continue;
                }

                // Wiped (or emptied and given its slots again), or restarted: every slot of the shard refills.
                var id = NewId();
                try
                {
                    var created = await SweepAsync(node, probe.Shard.SlotNumbers().ToArray(), id).ConfigureAwait(false);
                    _metrics.EpochEvent(probe.Shard.Name, probe.Absent ? "created_filling" : "restarted");
                    if (probe.Absent)
                    {
                        Log.EpochCreatedFilling(_logger, $"{node.Name}/{probe.Shard.Name} ({created} slots)", id);
                    }
                    else
                    {
                        Log.EpochRestarted(_logger, $"{node.Name}/{probe.Shard.Name}", probe.Id ?? id);
                    }
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                    Log.EpochCheckFailed(_logger, $"{node.Name}/{probe.Shard.Name}", ex);
                    continue;
                }

                RememberRunId(health, probe);
                health.OnEpochVerified(probe.Id ?? id, ready: false, probe.Generation, out _);
                continue;
            }

            RememberRunId(health, probe);

            if (probe.Id is { Length: 32 } && probe.State is NodeEpoch.Ready or NodeEpoch.Filling)
            {
                anyReady |= probe.State == NodeEpoch.Ready;
                health.OnEpochVerified(probe.Id, probe.State == NodeEpoch.Ready, probe.Generation, out _);
            }
            else
            {
                Log.EpochUnverifiable(_logger, $"{node.Name}/{probe.Shard.Name}", $"the slot epoch key holds id '{probe.Id}' and state '{probe.State}', not one the library writes");
                health.OnEpochUnverifiable(probe.Generation);
            }
        }

        epochs[node.Index] = new NodeEpoch(ClusterEpochId(node), anyReady ? NodeEpoch.Ready : NodeEpoch.Filling);
    }

    /// <summary>Reads the epoch of one slot of a shard (a different slot each round, so a partly emptied shard is found).</summary>
    private async Task<ShardProbe> ProbeShardAsync(ReplicaNode node, ReplicaShard shard, int turn)
    {
        var health = node.HealthOf(shard);
        var generation = health.Generation;
        var slots = shard.SlotCount;
        var offset = (int)((uint)turn % (uint)slots);
        var slot = shard.SlotAt(offset);
        try
        {
            // Routed by its key to the slot's owner; answers and failures are recorded in the shard's health.
            var result = (RedisResult[])(await node.EvaluateOrReloadAsync(LuaScript.EpochProbe, [node.SlotEpochs!.Marker(slot)], []).ConfigureAwait(false))!;
            return (long)result[0] switch
            {
                0 => new ShardProbe(shard, generation, Answered: true, Absent: true) { ServerRunId = RunIdOf(result, 1) },
                < 0 => new ShardProbe(shard, generation, Answered: true, Absent: false) { Id = string.Empty, State = $"a Redis {(string?)result[1]}" },
                _ => new ShardProbe(shard, generation, Answered: true, Absent: false)
                {
                    Id = (string?)result[1],
                    State = (string?)result[2],
                    EpochRunId = (string?)result[3] ?? string.Empty,
                    ServerRunId = (string?)result[4] ?? string.Empty,
                },
            };
        }
        catch (RedisServerException ex)
        {
            Log.EpochUnverifiable(_logger, $"{node.Name}/{shard.Name}", ex.Message);
            return new ShardProbe(shard, generation, Answered: true, Absent: false) { Id = string.Empty, State = ex.Message };
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            if (!_stop.IsCancellationRequested)
            {
                Log.EpochCheckFailed(_logger, $"{node.Name}/{shard.Name}", ex);
            }

            return new ShardProbe(shard, generation, Answered: false, Absent: false);
        }
    }

    private static string RunIdOf(RedisResult[] result, int index) => result.Length > index ? (string?)result[index] ?? string.Empty : string.Empty;

    /// <summary>
    /// Whether a shard's server restarted (or is another server, promoted by a failover) since its data was confirmed:
    /// its run id is not the one this client saw it under before; or, for a server this client has not seen before, the
    /// probed slot's epoch was confirmed under a run id that no primary of the node has now. An epoch confirmed under
    /// another live primary's run id came with its slot from that shard (a migration moves the key as it is): not a
    /// restart.
    /// </summary>
    private bool Restarted(ShardProbe probe, NodeHealth health, IReadOnlySet<string> live)
    {
        if (probe.ServerRunId.Length == 0)
        {
            return false;
        }

        if (_shardRunIds.TryGetValue(health, out var known) && known != probe.ServerRunId)
        {
            return true;
        }

        return probe.EpochRunId.Length > 0 && probe.EpochRunId != probe.ServerRunId && !live.Contains(probe.EpochRunId);
    }

    /// <summary>
    /// The run ids of a cluster node's primaries now, for epoch_ready.lua: epoch_probe.lua on one slot of each shard (INFO
    /// is an admin command in StackExchange.Redis, which the library does not enable; the script reads it server-side).
    /// </summary>
    private static async Task<RedisValue[]> LiveRunIdsAsync(ReplicaNode node)
    {
        var ids = new List<RedisValue>();
        foreach (var shard in await node.RefreshShardsAsync().ConfigureAwait(false))
        {
            try
            {
                var result = (RedisResult[])(await node.EvaluateOrReloadAsync(LuaScript.EpochProbe, [node.SlotEpochs!.Marker(shard.Slots[0].From)], []).ConfigureAwait(false))!;
                var id = RunIdOf(result, (long)result[0] == 0 ? 1 : 4);
                if (id.Length > 0)
                {
                    ids.Add(id);
                }
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // A shard that does not answer contributes none: an epoch confirmed under it stays filling.
            }
        }

        return [.. ids];
    }

    /// <summary>A whole cluster node without epochs: every slot gets one, <paramref name="state"/>, with one id.</summary>
    private async Task CreateClusterAsync(ReplicaNode node, string id, string state, NodeEpoch[] epochs)
    {
        var now = NowMs;
        var generations = node.ShardHealths.Select(s => (s.Health, s.Health.Generation)).ToArray();
        try
        {
            RedisValue[] args = [id, state, now];
            var created = await RunOverSlotsAsync(node, LuaScript.EpochEnsure, HashSlot.Count, static i => i, _ => args, CancellationToken.None).ConfigureAwait(false);
            epochs[node.Index] = new NodeEpoch(ClusterEpochId(node), state, CreatedHere: created > 0);
            if (created > 0)
            {
                _metrics.EpochEvent(node.Name, state == NodeEpoch.Ready ? "created_ready" : "created_filling");
                if (state == NodeEpoch.Ready)
                {
                    Log.EpochCreatedReady(_logger, $"{node.Name} ({created} slots)", id);
                }
                else
                {
                    Log.EpochCreatedFilling(_logger, $"{node.Name} ({created} slots)", id);
                }
            }

            foreach (var (health, generation) in generations)
            {
                health.OnEpochVerified(id, state == NodeEpoch.Ready, generation, out _);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.EpochCheckFailed(_logger, node.Name, ex);
        }
    }

    private void RememberRunId(NodeHealth health, ShardProbe probe)
    {
        if (probe.ServerRunId.Length > 0)
        {
            _shardRunIds[health] = probe.ServerRunId;
        }
    }

    /// <summary>Runs epoch_refill.lua on the given slots' epochs; returns how many were created.</summary>
    private Task<int> SweepAsync(ReplicaNode node, IReadOnlyList<int> slots, string id)
    {
        RedisValue[] args = [id, NowMs];
        return RunOverSlotsAsync(node, LuaScript.EpochRefill, slots.Count, i => slots[i], _ => args, CancellationToken.None);
    }

    /// <summary>
    /// Runs an epoch script on the epoch key of each of <paramref name="count"/> slots (<paramref name="slotAt"/>), with
    /// <paramref name="argsAt"/>'s arguments, <see cref="SweepWindow"/> in flight at a time. The first goes alone: it loads
    /// the script on the node's shards if they lack it, not once per slot. Returns how many answered 1 (created, switched).
    /// </summary>
    private static async Task<int> RunOverSlotsAsync(ReplicaNode node, LuaScript script, int count, Func<int, int> slotAt, Func<int, RedisValue[]> argsAt, CancellationToken cancellationToken)
    {
        var keys = node.SlotEpochs!;
        var done = 0;
        for (var from = 0; from < count; from += from == 0 ? 1 : SweepWindow)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var window = from == 0 ? 1 : Math.Min(SweepWindow, count - from);
            var calls = new Task<RedisResult>[window];
            for (var i = 0; i < window; i++)
            {
                calls[i] = node.EvaluateOrReloadAsync(script, [keys.Marker(slotAt(from + i))], argsAt(from + i));
            }

            await Task.WhenAll(calls).ConfigureAwait(false);
            done += calls.Count(c => (long)((RedisResult[])c.Result!)[0] == 1);
        }

        return done;
    }

    /// <summary>What one shard's probe found.</summary>
    private readonly record struct ShardProbe(ReplicaShard Shard, int Generation, bool Answered, bool Absent)
    {
        public string? Id { get; init; }

        public string? State { get; init; }

        /// <summary>The run id the probed epoch was last confirmed under ('' when it has none).</summary>
        public string EpochRunId { get; init; } = string.Empty;

        /// <summary>The shard's server's run id now ('' when it does not say).</summary>
        public string ServerRunId { get; init; } = string.Empty;
    }
}
