using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.Jepsen.Checking;
using AnarchoRedis.Jepsen.History;
using AnarchoRedis.Jepsen.Reporting;
using AnarchoRedis.Testing;

namespace AnarchoRedis.Jepsen.Nemesis;

/// <summary>
/// The nemesis of cluster mode (every replica a Redis Cluster of S shards): a seeded schedule of faults, one at a time,
/// each on one shard of one replica (both drawn at random), held 1-4 s with 1-3 s healthy gaps. Before a fault that may
/// lose a shard's data, it checks the <see cref="SlotLossLedger"/>: if another replica lost one of those slots since the
/// last complete repair, it repairs first (passes until clean), so no slot is lost on more than N − W = 1 replica
/// between repairs. Losses on different replicas in disjoint slots are left unrepaired on purpose: the per-slot
/// epochs must keep each slot's reads right on their own.
/// </summary>
public sealed class ShardNemesis
{
    private readonly LocalCluster _cluster;
    private readonly IReadOnlyList<string> _kinds;
    private readonly Random _random;
    private readonly Func<string, CancellationToken, Task<PassSummary>>? _repair;
    private readonly Action<string> _log;
    private readonly Func<IReadOnlyList<string>> _workloadKeys;
    private readonly int _shardReplicas;
    private readonly int _maxReplicasPerSlot;

    /// <param name="cluster">Replicas in cluster mode.</param>
    /// <param name="kinds">Shard fault kinds (<see cref="FaultKind.ShardAll"/>).</param>
    /// <param name="seed">The schedule's seed.</param>
    /// <param name="repair">Passes until clean; null: no repair between faults and no bound (a negative control).</param>
    /// <param name="log">Progress lines.</param>
    /// <param name="workloadKeys">The data keys the workload uses now (a migration moves one of their slots).</param>
    /// <param name="shardReplicas">Replicas per shard (0 or 1).</param>
    /// <param name="maxReplicasPerSlot">N − W: how many replicas may lose one slot between repairs.</param>
    public ShardNemesis(LocalCluster cluster, IReadOnlyList<string> kinds, int seed, Func<string, CancellationToken, Task<PassSummary>>? repair, Action<string> log, Func<IReadOnlyList<string>> workloadKeys, int shardReplicas, int maxReplicasPerSlot)
    {
        _cluster = cluster;
        _kinds = kinds;
        _random = new Random(seed);
        _repair = repair;
        _log = log;
        _workloadKeys = workloadKeys;
        _shardReplicas = shardReplicas;
        _maxReplicasPerSlot = maxReplicasPerSlot;
    }

    public List<FaultWindow> Faults { get; } = new();

    public List<PassSummary> Passes { get; } = new();

    /// <summary>The slots lost and not yet repaired (the final pass repairs what is left).</summary>
    public SlotLossLedger Ledger { get; } = new();

    /// <summary>Runs faults until <paramref name="stop"/>; the fault in progress is always healed before returning.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        if (_kinds.Count == 0)
        {
            await Delay(Timeout.InfiniteTimeSpan, stop);
            return;
        }

        while (!stop.IsCancellationRequested)
        {
            // Every parameter is drawn for every fault, so the schedule follows the seed alone.
            var gap = TimeSpan.FromMilliseconds(_random.Next(1000, 3000));
            var kind = _kinds[_random.Next(_kinds.Count)];
            var replica = _cluster.Replicas[_random.Next(_cluster.Replicas.Count)];
            var shardIndex = _random.Next(replica.Shards.Count);
            var hold = TimeSpan.FromMilliseconds(_random.Next(1000, 4000));
            var pick = _random.Next();
            var forced = _random.Next(2) == 0;
            if (!await Delay(gap, stop))
            {
                return;
            }

            await InjectAsync(kind, replica, replica.Shards[shardIndex], hold, pick, forced, stop);
        }
    }

    private async Task InjectAsync(string kind, LocalReplica replica, LocalShard shard, TimeSpan hold, int pick, bool forced, CancellationToken stop)
    {
        var losesData = FaultKind.ShardLosesData(kind, _shardReplicas);
        var slots = Slots(shard);
        if (losesData && _repair is not null && Ledger.WouldExceed(replica.Index, slots, _maxReplicasPerSlot, out var conflict))
        {
            // Not cancelled by the stop: the guarantee needs the repair before this fault.
            var reason = $"before {kind} of replica {replica.Index} shard {shard.Index}: slot {conflict} already lost on another replica ({Describe(Ledger)})";
            var pass = await _repair(reason, CancellationToken.None);
            Passes.Add(pass);
            if (pass.Clean)
            {
                Ledger.Clear();
            }
        }

        var primary = await shard.FindPrimaryAsync(CancellationToken.None);
        var start = HistoryFile.Now();
        string detail;
        switch (kind)
        {
            case FaultKind.ShardWipe:
                primary.Kill();
                await Delay(hold, stop);
                await primary.RestartAsync(RestartMode.LoseData, CancellationToken.None);
                detail = $"{primary.EndPoint} killed, restarted empty";
                break;
            case FaultKind.ShardPause:
                primary.Pause();
                await Delay(hold, stop);
                primary.Resume();
                await replica.WaitUntilStableAsync(CancellationToken.None);
                var after = await shard.FindPrimaryAsync(CancellationToken.None);
                detail = $"{primary.EndPoint} paused" + (after == primary ? string.Empty : $"; failed over to {after.EndPoint} meanwhile");
                break;
            case FaultKind.ShardSnapshot:
                await primary.SnapshotAsync();
                await Delay(hold, stop);
                await primary.RestartAsync(RestartMode.FromSnapshot, CancellationToken.None);
                detail = $"{primary.EndPoint} restarted from the snapshot taken at the start";
                break;
            case FaultKind.ShardMigrate:
                detail = await MigrateAsync(replica, pick, hold, stop);
                break;
            case FaultKind.ShardFailover:
                detail = await FailoverAsync(shard, primary, hold, forced, stop);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown shard fault");
        }

        if (losesData)
        {
            Ledger.Record(replica.Index, slots);
        }

        var window = new FaultWindow(kind, replica.Index, start, HistoryFile.Now(), $"shard {shard.Index}: {detail}");
        Faults.Add(window);
        _log($"fault {kind} on replica {replica.Index} shard {shard.Index} ({detail}) for {(window.End - window.Start) / 1000} ms{(losesData ? $"; unrepaired losses: {Describe(Ledger)}" : string.Empty)}");
    }

    /// <summary>
    /// Moves the slot of one of the workload's keys to another shard of the replica: the slot is split between the two
    /// for the hold (keys migrated one at a time, clients get ASK and, for a script whose keys are split, TRYAGAIN),
    /// then the move completes.
    /// </summary>
    private async Task<string> MigrateAsync(LocalReplica replica, int pick, TimeSpan hold, CancellationToken stop)
    {
        var keys = _workloadKeys();
        var key = keys[pick % keys.Count];
        var slot = HashSlot.Of(key);
        var from = replica.ShardOfSlot(slot);
        var others = replica.Shards.Where(s => s != from).ToArray();
        var to = others[(pick / keys.Count) % others.Length];
        var migration = await replica.BeginSlotMigrationAsync(slot, to, CancellationToken.None);
        var moved = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < hold && !stop.IsCancellationRequested)
        {
            var step = await migration.MigrateKeysAsync(1, CancellationToken.None);
            moved += step;
            if (step == 0)
            {
                break;
            }

            await Delay(TimeSpan.FromMilliseconds(Math.Max(50, hold.TotalMilliseconds / 8)), stop);
        }

        await migration.CompleteAsync(CancellationToken.None);
        return $"slot {slot} ({key}) from shard {from.Index} to shard {to.Index}, {moved} key(s) moved one at a time before the rest";
    }

    /// <summary>
    /// The shard's replica takes over: cooperatively (the primary alive, so it has every write), or forced after a kill
    /// (it may lack the primary's last acknowledged writes). The old primary comes back empty and replicates the new one.
    /// </summary>
    private static async Task<string> FailoverAsync(LocalShard shard, LocalNode primary, TimeSpan hold, bool forced, CancellationToken stop)
    {
        if (forced)
        {
            primary.Kill();
        }

        await shard.FailoverAsync(CancellationToken.None);
        await Delay(hold, stop);
        if (forced)
        {
            await primary.RestartAsync(RestartMode.LoseData, CancellationToken.None);
        }

        return forced
            ? $"{primary.EndPoint} killed, {shard.Primary.EndPoint} promoted (FORCE); the old primary back empty as its replica"
            : $"{primary.EndPoint} handed over to {shard.Primary.EndPoint} (CLUSTER FAILOVER)";
    }

    private static List<int> Slots(LocalShard shard) =>
        shard.SlotRanges.SelectMany(r => Enumerable.Range(r.Start, r.End - r.Start + 1)).ToList();

    private static string Describe(SlotLossLedger ledger) =>
        ledger.IsEmpty ? "none" : string.Join(", ", ledger.LostCounts.OrderBy(p => p.Key).Select(p => $"replica {p.Key}: {p.Value} slots"));

    /// <summary>Waits; false when stopped meanwhile.</summary>
    private static async Task<bool> Delay(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, stop);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
